using System.Text.Json;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;

namespace IdentityBridge.Tenant.Saml;

/// <summary>A change to an app's single sign-on settings; null members stay as they are.</summary>
public sealed record SamlApplicationUpdate
{
    public string? PreferredSingleSignOnMode { get; init; }
    /// <summary>The Identifiers, the default first.</summary>
    public IReadOnlyList<string>? Identifiers { get; init; }
    public IReadOnlyList<ReplyUrl>? ReplyUrls { get; init; }
    /// <summary>"" clears it.</summary>
    public string? SignOnUrl { get; init; }
    /// <summary>"" clears it.</summary>
    public string? LogoutUrl { get; init; }
    /// <summary>"" clears it.</summary>
    public string? LogoUrl { get; init; }
    public IReadOnlyList<string>? NotificationEmailAddresses { get; init; }
    public bool? AssignmentRequired { get; init; }
    public SamlSettings? Settings { get; init; }
}

/// <summary>A refused settings change: the Graph property at fault and what to give instead.</summary>
public sealed record SamlSettingsProblem(string Property, string Message);

/// <summary>
/// Enterprise apps as the SAML identity provider sees them: their single sign-on settings, read and changed with
/// the rules Entra applies, and who is assigned to them (directly or through a group they are a direct member of,
/// as Entra's app assignment does not follow nested groups).
/// </summary>
public sealed class SamlApplications(Store store, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The NameID formats an app may be set to (null is Entra's Default).</summary>
    public static IReadOnlyList<string> NameIdFormats { get; } =
    [
        SamlNames.NameIdEmail, SamlNames.NameIdPersistent, SamlNames.NameIdUnspecified, SamlNames.NameIdTransient,
        "urn:oasis:names:tc:SAML:1.1:nameid-format:WindowsDomainQualifiedName",
    ];

    /// <summary>The claims every response carries whatever the list says; the list may not name them again.</summary>
    public static IReadOnlyList<string> FixedClaims { get; } =
    [
        SamlClaimTypes.TenantId, SamlClaimTypes.ObjectId, SamlClaimTypes.DisplayName, SamlClaimTypes.IdentityProvider,
        SamlClaimTypes.AuthnMethodsReferences, SamlClaimTypes.Groups, SamlClaimTypes.Role,
    ];

    public async Task<SamlApplication?> GetAsync(string servicePrincipalSysId, CancellationToken cancellationToken)
    {
        var row = await store.GetAsync(DirectoryTables.ServicePrincipal, servicePrincipalSysId, cancellationToken: cancellationToken);
        return row is null ? null : await DescribeAsync(row, cancellationToken);
    }

    public async Task<SamlApplication?> FindByAppIdAsync(string appId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(appId, out var id)) return null;
        var row = await store.FindAsync(DirectoryTables.ServicePrincipal, "app_id", id.ToString("D"), cancellationToken);
        return row is null ? null : await DescribeAsync(row, cancellationToken);
    }

    /// <summary>The app whose Identifier this is (an AuthnRequest's Issuer); an app id also names its app, as in Entra.</summary>
    public async Task<SamlApplication?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken)
    {
        var entry = await store.FindAsync(DirectoryTables.SamlIdentifier, "identifier", identifier, cancellationToken);
        if (entry?["service_principal"] is { Length: > 0 } sysId) return await GetAsync(sysId, cancellationToken);
        return await FindByAppIdAsync(identifier, cancellationToken);
    }

    /// <summary>Reads an app from its service principal row (which must hold every column).</summary>
    public async Task<SamlApplication> DescribeAsync(RecordRow servicePrincipal, CancellationToken cancellationToken)
    {
        var identifiers = (await store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.SamlIdentifier,
            Query = EncodedQuery.Where("service_principal", servicePrincipal.SysId),
            Fields = ["identifier", "is_default", TableDefinition.CreatedOn],
            Limit = 1000,
        }, cancellationToken)).Rows
            .OrderByDescending(r => r["is_default"] == "true")
            .ThenBy(r => r[TableDefinition.CreatedOn], StringComparer.Ordinal)
            .ThenBy(r => r["identifier"], StringComparer.Ordinal)
            .Select(r => r["identifier"]!)
            .ToList();
        return new SamlApplication
        {
            ServicePrincipalSysId = servicePrincipal.SysId,
            AppId = servicePrincipal["app_id"] ?? "",
            DisplayName = servicePrincipal["display_name"] ?? "",
            AccountEnabled = servicePrincipal["account_enabled"] != "false",
            AssignmentRequired = servicePrincipal["app_role_assignment_required"] == "true",
            PreferredSingleSignOnMode = Empty(servicePrincipal["preferred_single_sign_on_mode"]),
            Identifiers = identifiers,
            ReplyUrls = Parse<List<ReplyUrl>>(servicePrincipal["reply_urls"]) ?? [],
            SignOnUrl = Empty(servicePrincipal["login_url"]),
            LogoutUrl = Empty(servicePrincipal["logout_url"]),
            LogoUrl = Empty(servicePrincipal["logo_url"]),
            NotificationEmailAddresses = Parse<List<string>>(servicePrincipal["notification_email_addresses"]) ?? [],
            Settings = Parse<SamlSettings>(servicePrincipal["saml_settings"]) ?? new SamlSettings(),
        };
    }

    /// <summary>Checks and applies a change; nothing is written when a problem is answered.</summary>
    public async Task<(SamlApplication? Updated, SamlSettingsProblem? Problem)> UpdateAsync(string servicePrincipalSysId,
        SamlApplicationUpdate update, string actor, CancellationToken cancellationToken)
    {
        var current = await GetAsync(servicePrincipalSysId, cancellationToken)
                      ?? throw new InvalidOperationException($"No service principal {servicePrincipalSysId}.");
        var problem = Validate(update, current);
        if (problem is not null) return (null, problem);

        if (update.Identifiers is { } identifiers)
        {
            foreach (var identifier in identifiers)
            {
                var owner = await store.FindAsync(DirectoryTables.SamlIdentifier, "identifier", identifier, cancellationToken);
                if (owner is not null && owner["service_principal"] != servicePrincipalSysId)
                    return (null, new("identifierUris",
                        $"Another application already uses the Identifier '{identifier}'. Identifiers are unique in a tenant; " +
                        "remove it from the other application first or choose another."));
            }
        }

        var values = new Dictionary<string, string?>();
        if (update.PreferredSingleSignOnMode is { } mode) values["preferred_single_sign_on_mode"] = mode.Length == 0 ? "" : mode.ToLowerInvariant();
        if (update.ReplyUrls is { } replyUrls) values["reply_urls"] = JsonSerializer.Serialize(Normalise(replyUrls), Json);
        if (update.SignOnUrl is { } signOn) values["login_url"] = signOn;
        if (update.LogoutUrl is { } logout) values["logout_url"] = logout;
        if (update.LogoUrl is { } logo) values["logo_url"] = logo;
        if (update.NotificationEmailAddresses is { } emails) values["notification_email_addresses"] = JsonSerializer.Serialize(emails, Json);
        if (update.AssignmentRequired is { } required) values["app_role_assignment_required"] = required ? "true" : "false";
        if (update.Settings is { } settings) values["saml_settings"] = JsonSerializer.Serialize(settings, Json);
        if (values.Count > 0)
        {
            var result = await store.UpdateAsync(DirectoryTables.ServicePrincipal, servicePrincipalSysId, values, new WriteOptions(actor), cancellationToken);
            if (!result.Succeeded) return (null, new("servicePrincipal", result.Error?.Detail ?? "The settings could not be saved."));
        }
        if (update.Identifiers is { } replaced && !replaced.SequenceEqual(current.Identifiers, StringComparer.Ordinal))
        {
            await store.DeleteWhereAsync(DirectoryTables.SamlIdentifier, EncodedQuery.Where("service_principal", servicePrincipalSysId), cancellationToken);
            for (var i = 0; i < replaced.Count; i++)
            {
                var result = await store.InsertAsync(DirectoryTables.SamlIdentifier, new Dictionary<string, string?>
                {
                    ["service_principal"] = servicePrincipalSysId,
                    ["identifier"] = replaced[i],
                    ["is_default"] = i == 0 ? "true" : "false",
                }, new WriteOptions(actor), cancellationToken);
                if (!result.Succeeded)
                    return (null, new("identifierUris", $"The Identifier '{replaced[i]}' could not be saved: another application took it meanwhile."));
            }
        }
        return (await GetAsync(servicePrincipalSysId, cancellationToken), null);
    }

    /// <summary>
    /// <see cref="Check"/>, and the rules that need the clock and the app as it stands: a verification certificate
    /// newly given must be valid now (ones kept from before may age without blocking other changes).
    /// </summary>
    public SamlSettingsProblem? Validate(SamlApplicationUpdate update, SamlApplication current)
    {
        if (Check(update) is { } problem) return problem;
        return update.Settings is { } settings &&
               VerificationCertificates.FreshnessProblem(settings, current.Settings, time.GetUtcNow()) is { } stale
            ? new("samlSingleSignOnSettings.verificationCertificates", stale)
            : null;
    }

    /// <summary>Entra's rules for the settings, as one message per fault.</summary>
    public static SamlSettingsProblem? Check(SamlApplicationUpdate update)
    {
        if (update.PreferredSingleSignOnMode is { Length: > 0 } mode &&
            !new[] { "saml", "password", "oidc", "notSupported" }.Contains(mode, StringComparer.OrdinalIgnoreCase))
            return new("preferredSingleSignOnMode", $"'{mode}' is not a single sign-on mode; use saml, password, oidc or notSupported.");
        if (update.Identifiers is { } identifiers)
        {
            foreach (var identifier in identifiers)
            {
                if (string.IsNullOrWhiteSpace(identifier) || identifier.Length > 1024 || identifier.Any(char.IsWhiteSpace))
                    return new("identifierUris", $"The Identifier '{identifier}' is not valid: give a URI without spaces, up to 1024 characters, such as https://example.service-now.com.");
            }
            if (identifiers.Distinct(StringComparer.Ordinal).Count() != identifiers.Count)
                return new("identifierUris", "The Identifiers list names one Identifier twice.");
        }
        if (update.ReplyUrls is { } replyUrls)
        {
            foreach (var reply in replyUrls)
                if (UrlProblem(reply.Uri) is { } why) return new("replyUrls", $"The Reply URL '{reply.Uri}' {why}");
            if (replyUrls.Any(r => r.Index < 0)) return new("replyUrls", "A Reply URL index must be 0 or more.");
            if (replyUrls.GroupBy(r => r.Index).Any(g => g.Count() > 1)) return new("replyUrls", "Two Reply URLs have the same index; give each its own.");
            if (replyUrls.Select(r => r.Uri).Distinct(StringComparer.Ordinal).Count() != replyUrls.Count)
                return new("replyUrls", "The Reply URLs list names one URL twice.");
            if (replyUrls.Count(r => r.IsDefault) > 1) return new("replyUrls", "Only one Reply URL can be the default.");
            if (replyUrls.Count > 256) return new("replyUrls", "An application can have at most 256 Reply URLs.");
        }
        if (update.SignOnUrl is { Length: > 0 } signOn && UrlProblem(signOn) is { } signOnWhy)
            return new("loginUrl", $"The Sign-on URL '{signOn}' {signOnWhy}");
        if (update.LogoutUrl is { Length: > 0 } logoutUrl && UrlProblem(logoutUrl) is { } logoutWhy)
            return new("logoutUrl", $"The Logout URL '{logoutUrl}' {logoutWhy}");
        if (update.LogoUrl is { Length: > 0 } logo && UrlProblem(logo) is { } logoWhy)
            return new("info", $"The logo URL '{logo}' {logoWhy}");
        if (update.NotificationEmailAddresses is { } emails)
        {
            foreach (var email in emails)
                if (email.Length is 0 or > 256 || email.Count(c => c == '@') != 1 || email.StartsWith('@') || email.EndsWith('@') || email.Any(char.IsWhiteSpace))
                    return new("notificationEmailAddresses", $"'{email}' is not an email address.");
        }
        if (update.Settings is { } settings)
        {
            if (settings.RelayState is { Length: > 1024 }) return new("samlSingleSignOnSettings", "The Relay State may be at most 1024 characters.");
            if (!UserAttributeSources.IsKnown(settings.NameIdSource))
                return new("samlSingleSignOnSettings", $"'{settings.NameIdSource}' is not a user attribute; use one of {string.Join(", ", UserAttributeSources.Known)} or user.extension_<appId>_<name>.");
            if (settings.NameIdFormat is { } format && !NameIdFormats.Contains(format, StringComparer.Ordinal))
                return new("samlSingleSignOnSettings", $"'{format}' is not a NameID format Entra issues; use one of {string.Join(", ", NameIdFormats)}, or none for Default.");
            if (settings.SigningAlgorithm is not ("sha256" or "sha1"))
                return new("samlSingleSignOnSettings", $"'{settings.SigningAlgorithm}' is not a signing algorithm; use sha256, or sha1 for an application that cannot check anything else.");
            if (!Enum.IsDefined(settings.SigningOption) || !Enum.IsDefined(settings.GroupClaims))
                return new("samlSingleSignOnSettings", "The signing option or the group claim kind is not one of the known values.");
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var claim in settings.Claims)
            {
                if (string.IsNullOrWhiteSpace(claim.Name) || claim.Name.Length > 256 || claim.Name.Any(char.IsWhiteSpace))
                    return new("claims", $"The claim name '{claim.Name}' is not valid: give a name without spaces, up to 256 characters, usually a URI.");
                if (FixedClaims.Contains(claim.Name, StringComparer.Ordinal))
                    return new("claims", $"The claim '{claim.Name}' is always issued by the tenant and cannot be mapped again.");
                if (!names.Add(claim.Name)) return new("claims", $"The claim '{claim.Name}' is listed twice.");
                if (!UserAttributeSources.IsKnown(claim.Source))
                    return new("claims", $"The claim '{claim.Name}' names '{claim.Source}', which is not a user attribute; use one of {string.Join(", ", UserAttributeSources.Known)}.");
            }
            if (settings.Claims.Count > 50) return new("claims", "An application can issue at most 50 additional claims.");
            if (VerificationCertificates.Problem(settings) is { } certificateProblem)
                return new("samlSingleSignOnSettings.verificationCertificates", certificateProblem);
        }
        return null;
    }

    /// <summary>Why a URL cannot be a Reply, Sign-on or Logout URL: https, or http on the loopback interface only.</summary>
    public static string? UrlProblem(string url)
    {
        if (url.Length > 1024) return "is longer than 1024 characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return "is not an absolute http or https URL.";
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback) return "must use https (http is allowed only for localhost and 127.0.0.1).";
        if (!string.IsNullOrEmpty(uri.Fragment)) return "must not have a fragment (#...).";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "must not carry a user name or password.";
        return null;
    }

    /// <summary>Reply URLs ordered by index, with the default made explicit when none was chosen.</summary>
    private static List<ReplyUrl> Normalise(IReadOnlyList<ReplyUrl> replyUrls)
    {
        var ordered = replyUrls.OrderBy(r => r.Index).ToList();
        if (ordered.Count > 0 && !ordered.Any(r => r.IsDefault)) ordered[0] = ordered[0] with { IsDefault = true };
        return ordered;
    }

    /// <summary>
    /// Whether the user may sign in to the app: assigned directly or through a group they are a direct member of.
    /// Apps that do not require assignment admit every enabled user.
    /// </summary>
    public async Task<bool> IsAssignedAsync(SamlApplication app, string userSysId, CancellationToken cancellationToken) =>
        !app.AssignmentRequired || Admits(app, await AssignmentsOfAsync(app.ServicePrincipalSysId, userSysId, cancellationToken));

    /// <summary>The same verdict from assignments already read, for callers that also issue claims from them.</summary>
    /// <param name="assignments">The user's assignments to the app, as <see cref="AssignmentsOfAsync"/> gives them.</param>
    public static bool Admits(SamlApplication app, IReadOnlyList<RecordRow> assignments) =>
        !app.AssignmentRequired || assignments.Count > 0;

    /// <summary>The user's assignments to one app (direct and through their groups).</summary>
    public async Task<IReadOnlyList<RecordRow>> AssignmentsOfAsync(string servicePrincipalSysId, string userSysId, CancellationToken cancellationToken)
    {
        var principals = await PrincipalIdsAsync(userSysId, cancellationToken);
        return (await store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.AppRoleAssignment,
            Query = EncodedQuery.Where("resource_id", servicePrincipalSysId)
                .And(new QueryCondition("principal_id", QueryOperator.In, string.Join(',', principals))),
            Fields = ["resource_id", "principal_id", "principal_type", "app_role_id"],
            Limit = 10_000,
        }, cancellationToken)).Rows;
    }

    /// <summary>The apps a user is assigned to, directly or through a group: the user's My Apps tiles.</summary>
    public async Task<IReadOnlyList<SamlApplication>> AssignedToAsync(string userSysId, CancellationToken cancellationToken)
    {
        var principals = await PrincipalIdsAsync(userSysId, cancellationToken);
        var resources = (await store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.AppRoleAssignment,
            Query = EncodedQuery.Where("principal_id", string.Join(',', principals), QueryOperator.In),
            Fields = ["resource_id"],
            Limit = 10_000,
        }, cancellationToken)).Rows.Select(r => r["resource_id"]).OfType<string>().Distinct().ToList();
        var apps = new List<SamlApplication>();
        foreach (var sysId in resources)
            if (await GetAsync(sysId, cancellationToken) is { AccountEnabled: true } app) apps.Add(app);
        return apps.OrderBy(a => a.DisplayName, StringComparer.CurrentCultureIgnoreCase).ToList();
    }

    /// <summary>The ids of the groups the user is a direct member of.</summary>
    public async Task<IReadOnlyList<string>> GroupIdsAsync(string userSysId, CancellationToken cancellationToken) =>
        (await store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.GroupMember,
            Query = EncodedQuery.Where("member_id", userSysId),
            Fields = ["group_id"],
            Limit = 10_000,
        }, cancellationToken)).Rows.Select(r => r["group_id"]).OfType<string>().ToList();

    private async Task<List<string>> PrincipalIdsAsync(string userSysId, CancellationToken cancellationToken) =>
        [userSysId, .. await GroupIdsAsync(userSysId, cancellationToken)];

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static T? Parse<T>(string? json) where T : class
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
