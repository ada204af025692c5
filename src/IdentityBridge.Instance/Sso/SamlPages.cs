using System.Text;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Pages;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.Sessions;
using IdentityBridge.Saml.Metadata;
using IdentityBridge.Saml.Xml;
using Microsoft.AspNetCore.Http;
using static IdentityBridge.Instance.Pages.HtmlPage;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// The administrator's SAML pages: Test Connection (<c>saml_test_connection.do</c>, which runs a real sign-in for a
/// record, active or not, and <c>saml_test_conn_completed.do</c>, which shows each validation step) and the service
/// provider metadata of a record (<c>saml_metadata.do</c>, ServiceNow's "Generate Metadata").
/// </summary>
internal sealed class SamlPages(SamlServiceProvider saml, IdentityProviderDirectory directory, UserSessions sessions,
    RoleResolver roles, ServiceProviderKeys keys, InstanceUrls urls)
{
    public const string TestPath = "/saml_test_connection.do";
    public const string TestResultPath = "/saml_test_conn_completed.do";
    public const string MetadataPath = "/saml_metadata.do";

    public static bool Handles(PathString path) => path.Value is TestPath or TestResultPath or MetadataPath;

    public async Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            await WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed", "<h1>Method not allowed</h1>");
            return;
        }
        switch (context.Request.Path.Value)
        {
            case MetadataPath: await MetadataAsync(context); return;
            case TestPath: await TestAsync(context); return;
            default: await TestResultAsync(context); return;
        }
    }

    private async Task<IdentityProviderRecord?> RecordAsync(HttpContext context, string parameter)
    {
        var record = await directory.GetAsync(context.Request.Query[parameter].ToString(), context.RequestAborted);
        if (record is null)
            await WriteAsync(context, StatusCodes.Status404NotFound, "Identity provider not found",
                $"<h1>Identity provider not found</h1>\n<p>No identity provider record has the sys_id given in <code>{Encode(parameter)}</code>.</p>");
        return record;
    }

    /// <summary>Only a signed-in security_admin may test: a test signs in through a record that may not be active yet.</summary>
    private async Task<bool> AuthorizedAsync(HttpContext context)
    {
        var session = await sessions.CurrentAsync(context);
        if (session is null)
        {
            Redirect(context, "/login.do?sysparm_local=true&sysparm_goto_url=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
            return false;
        }
        if ((await roles.RolesOfAsync(session.UserSysId, context.RequestAborted)).Contains(Caller.SecurityAdminRole)) return true;
        await WriteAsync(context, StatusCodes.Status403Forbidden, "Not allowed",
            "<h1>Not allowed</h1>\n<p>Testing an identity provider needs the security_admin role.</p>");
        return false;
    }

    private async Task TestAsync(HttpContext context)
    {
        if (!await AuthorizedAsync(context)) return;
        if (await RecordAsync(context, "glide_sso_id") is not { } record) return;
        await saml.SendAuthnRequestAsync(context, record, TestResultPath + "?sysparm_test_sso_id=" + record.SysId, testConnection: true);
    }

    private async Task TestResultAsync(HttpContext context)
    {
        if (!await AuthorizedAsync(context)) return;
        if (await RecordAsync(context, "sysparm_test_sso_id") is not { } record) return;
        var result = record.LastTestResult;
        var body = new StringBuilder()
            .Append("<h1>SSO Test Results</h1>\n")
            .Append($"<h2>Summary</h2>\n<p>Identity provider <strong>{Encode(record.Name)}</strong>: ")
            .Append(result switch
            {
                "passed" => "<strong>the test passed</strong>. The record can now be activated.",
                "failed" => "<strong class=\"error\">the test failed</strong>. Fix what is marked below and test again.",
                _ => "no test has been run yet.",
            })
            .Append("</p>\n<h2>Testing SSO Logs</h2>\n<table>\n<thead><tr><th scope=\"col\">Result</th><th scope=\"col\">Step</th><th scope=\"col\">Detail</th></tr></thead>\n<tbody>\n");
        foreach (var line in (record.Text("last_test_log") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t', 3);
            if (parts.Length < 3) continue;
            body.Append($"<tr><td>{(parts[0] == "PASS" ? "Passed" : "<span class=\"error\">Failed</span>")}</td><td>{Encode(parts[1])}</td><td>{Encode(parts[2])}</td></tr>\n");
        }
        body.Append("</tbody>\n</table>\n")
            .Append($"<p><a href=\"{TestPath}?glide_sso_id={record.SysId}\">Test again</a> · <a href=\"/navpage.do\">Home</a></p>");
        await WriteAsync(context, StatusCodes.Status200OK, "SSO Test Results", body.ToString());
    }

    private async Task MetadataAsync(HttpContext context)
    {
        if (await RecordAsync(context, "glide_sso_id") is not { } record) return;
        var certificate = await keys.SigningCertificateAsync(context.RequestAborted);
        var entityId = record.Issuer ?? urls.PublicBaseUrl;
        var xml = MetadataWriter.WriteServiceProvider(new ServiceProviderDescription
        {
            EntityId = entityId,
            AuthnRequestsSigned = record.Text("require_signed_authnrequest") == "true",
            WantAssertionsSigned = true,
            SigningCertificate = certificate,
            EncryptionCertificate = record.Text("encrypt_assertion") == "true" ? certificate : null,
            NameIdFormats = [record.NameIdPolicy ?? SamlNames.NameIdUnspecified],
            SingleLogoutServiceUrl = urls.AssertionConsumerServiceUrls[0],
            AssertionConsumerServiceUrls = urls.AssertionConsumerServiceUrls,
        });
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/samlmetadata+xml; charset=utf-8";
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await context.Response.WriteAsync(xml, context.RequestAborted);
    }
}
