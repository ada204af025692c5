using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Graph;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Saml;
using IdentityBridge.Tenant.SignIn;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

internal sealed record IdpBenchOptions
{
    public int Users { get; init; } = 1_000;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    public int Concurrency { get; init; } = 8;
}

/// <summary>
/// <c>idbridge bench idp</c>: how fast the tenant signs people in to an app. Two figures, both on the app's own
/// RSA-2048 signing certificate: IdP-initiated responses issued per second (claims read from the store, the response
/// built and signed) inside the tenant, and full round trips over loopback: a My Apps tile click at the tenant over
/// HTTPS (session checked, assignment checked, response signed, auto-submit page) and the post of that response to
/// the instance's ACS (validated, replay-checked, user found, session issued).
/// </summary>
internal static partial class IdpBench
{
    public sealed record Result(int Users, long Issued, TimeSpan IssueElapsed, long IssueFailures, PhaseMeasurement IssueParallel,
        PhaseMeasurement RoundTrips, double RawSignsPerSecond)
    {
        public double IssuedPerSecond => Issued / IssueElapsed.TotalSeconds;
        public bool Clean => IssueFailures == 0 && IssueParallel.Failures == 0 && RoundTrips.Failures == 0;
    }

    [GeneratedRegex("name=\"(SAMLResponse|RelayState)\" value=\"([^\"]*)\"")]
    private static partial Regex FormField();

    public static async Task<Result> RunAsync(IdpBenchOptions options, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "idbridge-bench-idp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            return await RunInAsync(directory, options, console, cancellationToken);
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<Result> RunInAsync(string directory, IdpBenchOptions options, IAnsiConsole console, CancellationToken cancellationToken)
    {
        using var https = TenantCertificate.LoadOrCreate(Path.Combine(directory, "tenant"));
        await using var tenant = await TenantApp.StartAsync(new TenantOptions
        {
            Urls = "https://127.0.0.1:0",
            Certificate = https.Certificate,
            DataDirectory = Path.Combine(directory, "tenant"),
            DefaultDomain = "contoso.example",
            PasswordIterations = 1_000,
        }, logging: _ => { }, cancellationToken);
        var tenantUrl = tenant.Addresses[0].TrimEnd('/');

        await using var instance = await BenchSsoInstance.StartAsync(Path.Combine(directory, "instance"), cancellationToken);
        var instanceUrl = instance.Url;

        var services = tenant.Services;
        var apps = new EnterpriseApps(tenant.Directory, services.GetRequiredService<SamlApplications>(),
            services.GetRequiredService<TokenSigningCertificates>(), services.GetRequiredService<DirectoryRoles>(), TimeProvider.System);
        var password = "Bench-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(12));
        var (app, userSysIds, upns) = await SetUpTenantAsync(console, tenant, apps, instanceUrl, options.Users, password, cancellationToken);
        await SetUpInstanceAsync(instance, https, tenant, app, upns, cancellationToken);

        // Issue: inside the tenant, exactly what a tile click costs once the session is known.
        var builder = services.GetRequiredService<SamlResponseBuilder>();
        var applications = services.GetRequiredService<SamlApplications>();
        var users = new List<RecordRow>();
        foreach (var sysId in userSysIds.Take(1_000))
            users.Add((await tenant.Store.GetAsync(DirectoryTables.User, sysId, UserAttributeSources.UserColumns, cancellationToken: cancellationToken))!);
        var signedIn = DateTimeOffset.UtcNow;
        async ValueTask<string?> IssueAsync(int index, CancellationToken token)
        {
            var current = (await applications.GetAsync(app.ServicePrincipalSysId, token))!;
            var user = users[index % users.Count];
            var (description, error) = await builder.DescribeAsync(tenant.TenantId, new SignOnRequest
            {
                App = current,
                User = user,
                AuthenticatedAt = signedIn,
                ReplyUrl = current.DefaultReplyUrl!.Uri,
                Assignments = await applications.AssignmentsOfAsync(current.ServicePrincipalSysId, user.SysId, token),
            }, token);
            if (error is not null) return error.CodeText + ": " + error.Message;
            var (document, signError) = await builder.SignAsync(current, description!, token);
            return document is null ? signError!.Message : null;
        }
        // Two seconds of warm-up, so the measured code runs JIT-optimised, as it does in a tenant that has been up a while.
        var warm = Stopwatch.GetTimestamp();
        for (var i = 0; Stopwatch.GetElapsedTime(warm) < TimeSpan.FromSeconds(2); i++) await IssueAsync(i, cancellationToken);
        long issued = 0, issueFailures = 0;
        var started = Stopwatch.GetTimestamp();
        var until = options.Duration / 2;
        while (Stopwatch.GetElapsedTime(started) < until)
        {
            if (await IssueAsync((int)issued, cancellationToken) is not null) issueFailures++;
            issued++;
        }
        var issueElapsed = Stopwatch.GetElapsedTime(started);
        var parallel = await LoadRunner.MeasureAsync("issue", "in process", users.Count, Environment.ProcessorCount * 2, TimeSpan.FromSeconds(1),
            options.Duration / 2, (worker, token) => IssueAsync((int)worker.Sequence++ * 7 + worker.Index, token), cancellationToken);

        // Round trips: a browser per user, each already signed in to the tenant (its ESTSAUTH cookie).
        var cookies = await SignInAllAsync(console, tenantUrl, tenant.TenantId, upns, password, https, cancellationToken);
        using var tenantHandler = PinnedHandler(https, options.Concurrency);
        using var tenantHttp = new HttpClient(tenantHandler) { BaseAddress = new Uri(tenantUrl) };
        using var instanceHandler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = options.Concurrency };
        using var instanceHttp = new HttpClient(instanceHandler) { BaseAddress = new Uri(instanceUrl) };
        var launch = $"/{tenant.TenantId}/saml2/launch?appid={app.AppId}";
        var next = -1;
        var roundTrips = await LoadRunner.MeasureAsync("tile click to instance session", "HTTPS + HTTP", upns.Count, options.Concurrency,
            TimeSpan.FromSeconds(2), options.Duration, async (worker, token) =>
            {
                var cookie = cookies[(int)((uint)Interlocked.Increment(ref next) % cookies.Count)];
                using var click = new HttpRequestMessage(HttpMethod.Get, launch);
                click.Headers.Add("Cookie", TenantSessions.CookieName + "=" + cookie);
                using var page = await tenantHttp.SendAsync(click, token);
                var html = await page.Content.ReadAsStringAsync(token);
                if (page.StatusCode != HttpStatusCode.OK) return $"the tile click answered {(int)page.StatusCode}";
                var fields = FormField().Matches(html).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
                if (!fields.TryGetValue("SAMLResponse", out var samlResponse)) return "the tile click gave no SAMLResponse form";
                var form = new List<KeyValuePair<string, string>> { new("SAMLResponse", samlResponse) };
                if (fields.TryGetValue("RelayState", out var relay)) form.Add(new("RelayState", relay));
                using var content = new FormUrlEncodedContent(form);
                using var acs = await instanceHttp.PostAsync("/navpage.do", content, token);
                if (acs.StatusCode != HttpStatusCode.Found) return $"the instance's ACS answered {(int)acs.StatusCode}: {await acs.Content.ReadAsStringAsync(token)}";
                return acs.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith("JSESSIONID=", StringComparison.Ordinal))
                    ? null : "the instance answered without a session cookie";
            }, cancellationToken);

        return new Result(upns.Count, issued, issueElapsed, issueFailures, parallel, roundTrips, RawSignsPerSecond(TimeSpan.FromSeconds(1)));
    }

    /// <summary>The raw RSA-2048 PKCS#1 SHA-256 signature rate on one thread: the floor of any SAML identity provider.</summary>
    private static double RawSignsPerSecond(TimeSpan duration)
    {
        using var rsa = RSA.Create(2048);
        var data = RandomNumberGenerator.GetBytes(64);
        for (var i = 0; i < 50; i++) rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        long count = 0;
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            count++;
        }
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<(SamlApplication App, List<string> UserSysIds, List<string> Upns)> SetUpTenantAsync(IAnsiConsole console,
        TenantApp tenant, EnterpriseApps apps, string instanceUrl, int count, string password, CancellationToken cancellationToken)
    {
        var created = await apps.CreateAsync("ServiceNow", null, "bench", cancellationToken);
        var app = created.Value ?? throw new InvalidOperationException(created.Problem);
        var configured = await apps.ChangeSingleSignOnAsync(app, new SingleSignOnChange
        {
            Mode = "saml",
            Identifiers = [instanceUrl],
            ReplyUrls = [instanceUrl + "/navpage.do"],
            AssignmentRequired = true,
        }, "bench", cancellationToken);
        app = configured.Value ?? throw new InvalidOperationException(configured.Problem);

        var group = await tenant.Directory.CreateGroupAsync(new Dictionary<string, string?>
        {
            ["display_name"] = "ServiceNow users", ["mail_nickname"] = "servicenow-users", ["security_enabled"] = "true",
        }, "bench", cancellationToken);
        if (!group.Succeeded) throw new InvalidOperationException("The bench group could not be created: " + group.Error?.Detail);
        var sysIds = new List<string>(count);
        var upns = new List<string>(count);
        await console.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask($"Creating {count:N0} directory users assigned through a group", maxValue: count);
            for (var i = 0; i < count; i++)
            {
                var upn = $"bench.user{i}@contoso.example";
                var result = await tenant.Directory.CreateUserAsync(new Dictionary<string, string?>
                {
                    ["user_principal_name"] = upn, ["display_name"] = $"Bench User {i}", ["given_name"] = "Bench",
                    ["surname"] = $"User {i}", ["mail"] = upn, ["mail_nickname"] = $"bench.user{i}", ["password"] = password,
                    ["account_enabled"] = "true",
                }, "bench", cancellationToken);
                if (!result.Succeeded) throw new InvalidOperationException($"User {upn} could not be created: {result.Error?.Detail}");
                await tenant.Directory.AddMemberAsync(group.Row!.SysId, result.Row!.SysId, "user", "bench", cancellationToken);
                sysIds.Add(result.Row!.SysId);
                upns.Add(upn);
                task.Increment(1);
            }
        });
        var assigned = await apps.AssignAsync(app, null, "ServiceNow users", null, "bench", cancellationToken);
        if (assigned.Problem is not null) throw new InvalidOperationException(assigned.Problem);
        return (app, sysIds, upns);
    }

    /// <summary>
    /// The instance as the ServiceNow tutorial sets it up: Multi-Provider SSO on, the tenant's HTTPS certificate in the
    /// trust store, an identity provider record imported from the app's federation metadata URL, users matched on email.
    /// </summary>
    private static async Task SetUpInstanceAsync(BenchSsoInstance instance, TenantCertificate https, TenantApp tenant, SamlApplication app,
        List<string> upns, CancellationToken cancellationToken)
    {
        await instance.SendAsync(HttpMethod.Post, "sys_certificate", new
        {
            name = "Tenant HTTPS", format = "pem", type = "trust_store", pem_certificate = https.Certificate.ExportCertificatePem(),
        }, cancellationToken);
        var metadataUrl = $"{tenant.Addresses[0].TrimEnd('/')}/{tenant.TenantId}/federationmetadata/2007-06/federationmetadata.xml?appid={app.AppId}";
        var record = await instance.SendAsync(HttpMethod.Post, "saml2_update1_properties", new
        {
            name = "Entra ID", idp_metadata_url = metadataUrl, user_field = "email", issuer = instance.Url, audience = instance.Url,
            service_url = instance.Url + "/navpage.do",
        }, cancellationToken);
        await instance.SendAsync(HttpMethod.Patch, $"saml2_update1_properties/{record["sys_id"]!.GetValue<string>()}", new { active = "true" }, cancellationToken);
        await instance.AddUsersAsync(upns, cancellationToken);
    }

    /// <summary>Signs every user in through the tenant's sign-in form, as a browser would, and keeps each session cookie.</summary>
    private static async Task<List<string>> SignInAllAsync(IAnsiConsole console, string tenantUrl, string tenantId, List<string> upns,
        string password, TenantCertificate https, CancellationToken cancellationToken)
    {
        var cookies = new List<string>(upns.Count);
        await console.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask($"Signing {upns.Count:N0} users in to the tenant", maxValue: upns.Count);
            foreach (var upn in upns)
            {
                using var handler = PinnedHandler(https, 1);
                handler.UseCookies = true;
                handler.CookieContainer = new CookieContainer();
                using var http = new HttpClient(handler) { BaseAddress = new Uri(tenantUrl) };
                var form = await http.GetStringAsync($"/{tenantId}/login?continue=/myapps", cancellationToken);
                var canary = Regex.Match(form, "name=\"canary\" value=\"([^\"]*)\"").Groups[1].Value;
                using var posted = await http.PostAsync($"/{tenantId}/login", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["login"] = upn, ["passwd"] = password, ["canary"] = WebUtility.HtmlDecode(canary), ["continue"] = "/myapps",
                }), cancellationToken);
                var session = handler.CookieContainer.GetCookies(new Uri(tenantUrl))[TenantSessions.CookieName]?.Value
                              ?? throw new InvalidOperationException($"{upn} could not sign in to the tenant: {(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync(cancellationToken)}");
                cookies.Add(session);
                task.Increment(1);
            }
        });
        return cookies;
    }

    /// <summary>A handler that trusts exactly the tenant's certificate, as a browser would after accepting it.</summary>
    private static SocketsHttpHandler PinnedHandler(TenantCertificate https, int connections)
    {
        var pinned = https.Certificate.RawData;
        return new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = connections,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(pinned),
            },
        };
    }

    public static void Write(IAnsiConsole console, Result result)
    {
        string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
        console.WriteLine();
        console.Write(new Rule("[bold]idbridge bench idp[/]").LeftJustified());
        console.MarkupLine($"Machine: {Markup.Escape(BenchReport.Machine)}");
        var table = new Table().Border(TableBorder.Rounded).Title("Tenant SAML IdP: RSA-2048, RSA-SHA256, assertion signed, Entra's claims");
        table.AddColumn("figure");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddColumn("result");
        table.AddRow("raw RSA-2048 sign, one thread (the floor)", $"{N(result.RawSignsPerSecond)}/s", "");
        table.AddRow("IdP-initiated responses issued, one thread (settings, claims, build, sign)", $"{N(result.IssuedPerSecond)}/s", "");
        table.AddRow("time per response", $"{N(result.IssueElapsed.TotalMicroseconds / Math.Max(1, result.Issued), "N1")} µs", "");
        table.AddRow($"responses issued, {result.IssueParallel.Latency.Count:N0} on {Environment.ProcessorCount * 2} callers, {Environment.ProcessorCount} cores",
            $"{N(result.IssueParallel.PerSecond)}/s", "");
        table.AddRow($"round trips: tile click to instance session ({result.Users:N0} users, HTTPS tenant, HTTP instance)",
            $"{N(result.RoundTrips.PerSecond)}/s", "");
        table.AddRow("round-trip latency p50 / p99", $"{N(result.RoundTrips.P50, "N2")} / {N(result.RoundTrips.P99, "N2")} ms", "");
        var failures = result.IssueFailures + result.IssueParallel.Failures + result.RoundTrips.Failures;
        table.AddRow("failed responses or round trips (must be 0)", N(failures), failures == 0 ? "[green]pass[/]" : "[red bold]FAILED[/]");
        console.Write(table);
        if ((result.RoundTrips.FirstFailure ?? result.IssueParallel.FirstFailure) is { } failure)
            console.MarkupLine($"[red]First failure: {Markup.Escape(failure)}[/]");
    }

    public static object ToJson(Result result) => new
    {
        machine = BenchReport.Machine,
        cores = Environment.ProcessorCount,
        users = result.Users,
        raw_rsa_signs_per_second = result.RawSignsPerSecond,
        responses_issued_per_second_one_thread = result.IssuedPerSecond,
        microseconds_per_response = result.IssueElapsed.TotalMicroseconds / Math.Max(1, result.Issued),
        responses_issued_per_second_all_cores = result.IssueParallel.PerSecond,
        round_trips_per_second = result.RoundTrips.PerSecond,
        round_trip_p50_ms = result.RoundTrips.P50,
        round_trip_p99_ms = result.RoundTrips.P99,
        failures = result.IssueFailures + result.IssueParallel.Failures + result.RoundTrips.Failures,
    };
}
