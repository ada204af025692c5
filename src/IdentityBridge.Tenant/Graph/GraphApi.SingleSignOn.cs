using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Saml;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// A service principal's single sign-on settings (<see cref="SingleSignOnJson"/>) on Graph's servicePrincipal: shown on
/// every read, written by POST and PATCH through <see cref="SamlApplications.UpdateAsync"/>, so Graph, the portal-like
/// pages and the command line all apply Entra's rules in one place.
/// </summary>
internal sealed partial class GraphApi
{
    private const string KeyCredentials = "keyCredentials";

    /// <summary>The service principal columns <see cref="SamlApplications.DescribeAsync"/> reads, for list queries.</summary>
    private static readonly string[] SingleSignOnColumns =
    [
        "app_id", "display_name", "account_enabled", "app_role_assignment_required", "app_roles",
        "preferred_single_sign_on_mode", "login_url", "logout_url", "logo_url", "notification_email_addresses",
        "reply_urls", "saml_settings",
    ];

    /// <summary>What <c>$select</c> may name on a servicePrincipal besides its stored columns.</summary>
    private static readonly string[] ServicePrincipalExtras =
        [.. SingleSignOnJson.Properties, KeyCredentials, PreferredThumbprint, "appRoles"];

    /// <summary>Whether a property is in the request's <c>$select</c> (every property is, without one).</summary>
    private static Func<string, bool> Selected(GraphRequest request)
    {
        var select = request.Option("$select");
        if (string.IsNullOrWhiteSpace(select)) return _ => true;
        var names = select.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return name => names.Contains(name, StringComparer.OrdinalIgnoreCase);
    }

    private async Task AddSingleSignOnAsync(JsonObject json, RecordRow row, Func<string, bool> selected, CancellationToken cancellationToken)
    {
        var app = await samlApplications.DescribeAsync(row, cancellationToken);
        SingleSignOnJson.Write(json, app, selected);
        if (selected(KeyCredentials) || selected(PreferredThumbprint)) await AddSigningCertificatesAsync(json, row, cancellationToken);
    }

    /// <summary>
    /// Splits a servicePrincipal body into its single sign-on members (by their Graph spelling) and the rest, which
    /// keeps to the stored columns.
    /// </summary>
    private static (Dictionary<string, JsonElement> SingleSignOn, JsonObject Others) SplitSingleSignOn(JsonElement body, params string[] keep)
    {
        var singleSignOn = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var rest = new JsonObject();
        foreach (var member in body.EnumerateObject())
        {
            if (SingleSignOnJson.Property(member.Name) is { } property) singleSignOn[property] = member.Value.Clone();
            else if (!keep.Contains(member.Name, StringComparer.OrdinalIgnoreCase)) rest[member.Name] = JsonNode.Parse(member.Value.GetRawText());
        }
        return (singleSignOn, rest);
    }

    /// <summary>Reads the change and refuses a value Entra would refuse, naming the property; nothing is written.</summary>
    private async Task<SamlApplicationUpdate?> ReadSingleSignOnAsync(string servicePrincipalSysId,
        IReadOnlyDictionary<string, JsonElement> members, CancellationToken cancellationToken)
    {
        if (members.Count == 0) return null;
        var current = await samlApplications.GetAsync(servicePrincipalSysId, cancellationToken)
                      ?? throw GraphException.NotFound(Directory.GraphIds.FromSysId(servicePrincipalSysId));
        var update = SingleSignOnJson.Read(members, current);
        if (samlApplications.Validate(update, current) is { } problem) throw Refused(problem);
        return update;
    }

    private async Task ApplySingleSignOnAsync(GraphRequest request, string servicePrincipalSysId, SamlApplicationUpdate update)
    {
        var (_, problem) = await samlApplications.UpdateAsync(servicePrincipalSysId, update, request.Caller.AppId, request.Aborted);
        if (problem is not null) throw Refused(problem);
    }

    private static GraphException Refused(SamlSettingsProblem problem) =>
        GraphException.BadRequest($"Invalid value specified for property '{SingleSignOnJson.PropertyOf(problem)}': {problem.Message}");
}
