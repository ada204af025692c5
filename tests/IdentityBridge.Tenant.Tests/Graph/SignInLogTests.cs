using IdentityBridge.Tenant.SignIn;
using IdentityBridge.Tenant.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Tenant.Tests.Graph;

/// <summary>The sign-in log through Graph's <c>/auditLogs/signIns</c>: newest first, filtered and paged.</summary>
public sealed class SignInLogTests(PermissionTenant tenant) : IClassFixture<PermissionTenant>
{
    private const string SignIns = "/v1.0/auditLogs/signIns";

    private GraphClient Auditor => tenant.With("AuditLog.Read.All");

    private static string Filter(string text) => "?$filter=" + Uri.EscapeDataString(text);

    /// <summary>Writes sign-ins one minute apart, as the sign-in pages would.</summary>
    private async Task WriteAsync(params SignInEvent[] events)
    {
        var log = tenant.App.Services.GetRequiredService<SignInLog>();
        foreach (var entry in events)
        {
            tenant.Clock.Advance(TimeSpan.FromMinutes(1));
            await log.WriteAsync(entry, default);
        }
    }

    [Fact]
    public async Task sign_ins_are_listed_newest_first_in_graphs_shape()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "alex");
        var upn = user.Text("userPrincipalName")!;
        var appId = Guid.NewGuid().ToString("D");
        var correlation = Guid.NewGuid().ToString("D");
        var byUser = new SignInEvent
        {
            UserPrincipalName = upn,
            UserSysId = user.Id().Replace("-", "", StringComparison.Ordinal),
            AppId = appId,
            AppDisplayName = "ServiceNow",
        };
        await WriteAsync(
            byUser with { CorrelationId = correlation, IpAddress = "127.0.0.1" },
            byUser with
            {
                ErrorCode = SignInError.InvalidCredentials().Code,
                FailureReason = SignInError.InvalidCredentials().Message,
                Detail = "Reply URL https://x/acs",
            });

        var reply = (await Auditor.GetAsync(SignIns + Filter($"userPrincipalName eq '{upn}'"))).ShouldBe(HttpStatusCode.OK);

        var (newest, oldest) = (reply.Value[0], reply.Value[1]);
        Assert.Equal(2, reply.Value.Count);
        Assert.Equal(SignInError.InvalidCredentials().Code, newest.GetProperty("status").GetProperty("errorCode").GetInt32());
        Assert.Equal(SignInError.InvalidCredentials().Message, newest.GetProperty("status").Text("failureReason"));
        Assert.Equal("Reply URL https://x/acs", newest.GetProperty("status").Text("additionalDetails"));
        Assert.Equal(0, oldest.GetProperty("status").GetProperty("errorCode").GetInt32());
        Assert.Null(oldest.GetProperty("status").Text("failureReason"));
        Assert.Equal(upn, oldest.Text("userPrincipalName"));
        Assert.Equal(user.Id(), oldest.Text("userId"));
        Assert.Equal(user.Text("displayName"), oldest.Text("userDisplayName"));
        Assert.Equal(appId, oldest.Text("appId"));
        Assert.Equal("ServiceNow", oldest.Text("appDisplayName"));
        Assert.Equal("127.0.0.1", oldest.Text("ipAddress"));
        Assert.Equal(correlation, oldest.Text("correlationId"));
        Assert.True(Guid.TryParse(oldest.Id(), out _));
        Assert.True(DateTimeOffset.Parse(newest.Text("createdDateTime")!, System.Globalization.CultureInfo.InvariantCulture) >
                    DateTimeOffset.Parse(oldest.Text("createdDateTime")!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task sign_ins_are_filtered_by_app_and_time_and_paged_to_the_end()
    {
        var scope = tenant.NewScope();
        var appId = Guid.NewGuid().ToString("D");
        var upn = RunningTenant.Upn(scope + "pat");
        await WriteAsync(new SignInEvent { UserPrincipalName = upn, AppId = Guid.NewGuid().ToString("D") });
        var from = tenant.Clock.GetUtcNow().AddSeconds(30);
        await WriteAsync(Enumerable.Range(0, 5).Select(_ => new SignInEvent { UserPrincipalName = upn, AppId = appId }).ToArray());

        var byApp = Filter($"appId eq '{appId}'") + "&$top=2";
        var first = (await Auditor.GetAsync(SignIns + byApp)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(2, first.Value.Count);
        // A sign-in written while the admin pages does not shift the pages already promised.
        await WriteAsync(new SignInEvent { UserPrincipalName = upn, AppId = appId });
        var all = first.Value.ToList();
        var next = first.NextLink;
        while (next is not null)
        {
            var page = (await Auditor.GetAsync(next)).ShouldBe(HttpStatusCode.OK);
            all.AddRange(page.Value);
            next = page.NextLink;
        }
        Assert.Equal(5, all.Select(s => s.Id()).Distinct().Count());
        Assert.Equal(all.Select(s => s.Text("createdDateTime")).OrderDescending(), all.Select(s => s.Text("createdDateTime")));

        var since = Filter($"userPrincipalName eq '{upn}' and createdDateTime ge {from.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}");
        Assert.Equal(6, (await Auditor.GetAsync(SignIns + since)).ShouldBe(HttpStatusCode.OK).Value.Count);
        Assert.Equal(7, (await Auditor.GetAsync(SignIns + Filter($"userPrincipalName eq '{upn.ToUpperInvariant()}'"))).ShouldBe(HttpStatusCode.OK).Value.Count);
    }

    [Fact]
    public async Task the_sign_in_log_needs_audit_log_permission_and_a_filter_it_understands()
    {
        (await tenant.With("Directory.Read.All").GetAsync(SignIns)).ShouldBeError(HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        Assert.Contains("userPrincipalName eq", (await Auditor.GetAsync(SignIns + Filter("ipAddress eq '1.2.3.4'")))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest"));
        (await Auditor.GetAsync(SignIns + Filter("createdDateTime ge yesterday"))).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await Auditor.GetAsync(SignIns + Filter("userPrincipalName eq 'unterminated"))).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await Auditor.GetAsync(SignIns + "?$top=0")).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await Auditor.GetAsync(SignIns + "?$skiptoken=garbage")).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await Auditor.GetAsync(SignIns + "?$select=id")).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
    }
}
