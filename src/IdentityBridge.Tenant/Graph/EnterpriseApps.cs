using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Security;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Saml;
using IdentityBridge.Tenant.SignIn;

namespace IdentityBridge.Tenant.Graph;

/// <summary>An administrative change that was done, or the reason it was not and what to do instead.</summary>
public sealed record AdminResult<T>(T? Value, string? Problem)
{
    public bool Succeeded => Problem is null;

    public static AdminResult<T> Done(T value) => new(value, null);

    public static AdminResult<T> Refused(string problem) => new(default, problem);
}

/// <summary>
/// A change to an app's single sign-on from the command line: null members stay as they are, as with Entra's "Edit"
/// panes, and lists given replace the stored ones (claims are changed one by one).
/// </summary>
public sealed record SingleSignOnChange
{
    public string? Mode { get; init; }
    public IReadOnlyList<string>? Identifiers { get; init; }
    public IReadOnlyList<string>? ReplyUrls { get; init; }
    public string? DefaultReplyUrl { get; init; }
    /// <summary>"" clears it.</summary>
    public string? SignOnUrl { get; init; }
    public string? RelayState { get; init; }
    /// <summary>"" clears it.</summary>
    public string? LogoutUrl { get; init; }
    public string? NameIdSource { get; init; }
    /// <summary>A NameID format URI, or "default" (or "") for Entra's Default.</summary>
    public string? NameIdFormat { get; init; }
    /// <summary>Claims to add, or to point at another source when the name is already issued.</summary>
    public IReadOnlyList<SamlClaim> SetClaims { get; init; } = [];
    public IReadOnlyList<string> RemoveClaims { get; init; } = [];
    /// <summary>none, securityGroups, all or applicationGroups.</summary>
    public string? GroupClaims { get; init; }
    public bool? RoleClaims { get; init; }
    /// <summary>assertion, response or responseAndAssertion.</summary>
    public string? SigningOption { get; init; }
    public string? SigningAlgorithm { get; init; }
    public bool? AssignmentRequired { get; init; }
    public IReadOnlyList<string>? NotificationEmailAddresses { get; init; }
    /// <summary>The verification certificates (PEM or base64 DER text); replaces the list, empty clears it.</summary>
    public IReadOnlyList<string>? VerificationCertificates { get; init; }
    /// <summary>"Require verification certificates".</summary>
    public bool? RequireVerificationCertificates { get; init; }
    /// <summary>"Allow requests signed with RSA-SHA1".</summary>
    public bool? AllowSha1RequestSignatures { get; init; }
}

/// <summary>What an admin copies into the service provider: the "Set up" section of Entra's SAML page.</summary>
public sealed record SingleSignOnEndpoints(string LoginUrl, string LogoutUrl, string Issuer, string MetadataUrl);

/// <summary>
/// The enterprise-app administration that <c>idbridge tenant app ...</c>, <c>tenant role</c> and <c>tenant user</c>
/// do on the store, with the rules Graph applies: creating apps, their single sign-on settings and certificates,
/// assignments, directory roles and passwords. Expected refusals are results with a message saying the fix.
/// </summary>
public sealed class EnterpriseApps(TenantDirectory directory, SamlApplications applications, TokenSigningCertificates certificates,
    DirectoryRoles roles, TimeProvider time)
{
    /// <summary>The default access role: an assignment without a specific app role.</summary>
    public const string DefaultAccessRoleId = "00000000-0000-0000-0000-000000000000";

    private Store Store => directory.Store;

    public SamlApplications Applications => applications;
    public TokenSigningCertificates Certificates => certificates;

    /// <summary>
    /// The service over an open directory, with the signing-key protector the running tenant uses (IDBRIDGE_TENANT_KEY,
    /// else the key file beside the database), so certificates made here sign there.
    /// </summary>
    public static EnterpriseApps Open(TenantDirectory directory, string dataDirectory, TimeProvider time)
    {
        var protector = SecretProtector.Load(Path.Combine(dataDirectory, "tenant.key"),
            Environment.GetEnvironmentVariable("IDBRIDGE_TENANT_KEY"), "IDBRIDGE_TENANT_KEY");
        var store = directory.Store;
        return new EnterpriseApps(directory, new SamlApplications(store, time), new TokenSigningCertificates(store, protector, time), new DirectoryRoles(store), time);
    }

    /// <summary>
    /// Inserts a service principal with the values given (column names) and the ones Entra fills in: its id, its
    /// creation time and the type "Application". Shared by Graph's POST /servicePrincipals and the command line.
    /// </summary>
    internal static Task<WriteResult> InsertServicePrincipalAsync(TenantDirectory directory, Dictionary<string, string?> values,
        string actor, CancellationToken cancellationToken)
    {
        values.TryAdd("service_principal_type", "Application");
        values["sys_id"] = GraphIds.New();
        values["created_date_time"] = directory.Now();
        return directory.Store.InsertAsync(DirectoryTables.ServicePrincipal, values, new WriteOptions(actor), cancellationToken);
    }

    /// <summary>Creates an enterprise app (a non-gallery application's service principal).</summary>
    public async Task<AdminResult<SamlApplication>> CreateAsync(string displayName, string? appId, string actor, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(displayName) || displayName.Length > 256)
            return AdminResult<SamlApplication>.Refused("Give the app a display name of 1 to 256 characters with --name.");
        var id = Guid.NewGuid();
        if (appId is not null && !Guid.TryParse(appId, out id))
            return AdminResult<SamlApplication>.Refused($"'{appId}' is not an application id; give a GUID such as {Guid.NewGuid():D}, or leave --app-id out.");
        var result = await InsertServicePrincipalAsync(directory, new Dictionary<string, string?>
        {
            ["app_id"] = id.ToString("D"),
            ["display_name"] = displayName.Trim(),
        }, actor, cancellationToken);
        if (!result.Succeeded)
            return AdminResult<SamlApplication>.Refused(result.Error?.Kind == WriteErrorKind.Aborted
                ? $"An enterprise app with the application id {id:D} already exists; choose another --app-id or leave it out."
                : "The app could not be created: " + result.Error?.Detail);
        return AdminResult<SamlApplication>.Done((await applications.GetAsync(result.Row!.SysId, cancellationToken))!);
    }

    /// <summary>An app by its application id, object id or display name (which must name one app).</summary>
    public async Task<AdminResult<SamlApplication>> FindAsync(string reference, CancellationToken cancellationToken)
    {
        reference = reference.Trim();
        if (Guid.TryParse(reference, out var guid))
        {
            if (await applications.FindByAppIdAsync(guid.ToString("D"), cancellationToken) is { } byAppId) return AdminResult<SamlApplication>.Done(byAppId);
            if (await applications.GetAsync(GraphIds.ToSysId(guid), cancellationToken) is { } byObjectId) return AdminResult<SamlApplication>.Done(byObjectId);
            return AdminResult<SamlApplication>.Refused($"No enterprise app has the application id or object id {guid:D}; create one with 'idbridge tenant app new --name <name>'.");
        }
        var rows = (await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.ServicePrincipal,
            Query = EncodedQuery.Where("display_name", reference),
            Fields = ["sys_id", "app_id"],
            Limit = 2,
        }, cancellationToken)).Rows;
        return rows.Count switch
        {
            0 => AdminResult<SamlApplication>.Refused($"No enterprise app is named '{reference}'; give its application id, object id or exact display name."),
            > 1 => AdminResult<SamlApplication>.Refused($"More than one enterprise app is named '{reference}'; give its application id instead."),
            _ => AdminResult<SamlApplication>.Done((await applications.GetAsync(rows[0].SysId, cancellationToken))!),
        };
    }

    /// <summary>
    /// Applies a single sign-on change with Entra's rules. Choosing SAML for an app with no signing certificate also
    /// creates its first one, as the portal does when SAML is selected.
    /// </summary>
    public async Task<AdminResult<SamlApplication>> ChangeSingleSignOnAsync(SamlApplication app, SingleSignOnChange change, string actor,
        CancellationToken cancellationToken)
    {
        var (update, problem) = ToUpdate(app, change);
        if (problem is not null) return AdminResult<SamlApplication>.Refused(problem);
        var (updated, refused) = await applications.UpdateAsync(app.ServicePrincipalSysId, update!, actor, cancellationToken);
        if (refused is not null) return AdminResult<SamlApplication>.Refused($"{Option(refused.Property)}: {refused.Message}");
        if (updated!.UsesSaml && (await certificates.ListAsync(app.ServicePrincipalSysId, cancellationToken)).Count == 0)
        {
            var (_, certificateProblem) = await certificates.AddAsync(app.ServicePrincipalSysId, null, null, actor, cancellationToken);
            if (certificateProblem is not null) return AdminResult<SamlApplication>.Refused(certificateProblem.Message);
        }
        return AdminResult<SamlApplication>.Done(updated);
    }

    /// <summary>The command-line option a refused property is set with.</summary>
    private static string Option(string property) => property switch
    {
        "preferredSingleSignOnMode" => "--mode",
        "identifierUris" => "--identifier",
        "replyUrls" => "--reply-url",
        "loginUrl" => "--sign-on-url",
        "logoutUrl" => "--logout-url",
        "notificationEmailAddresses" => "--notify",
        "claims" => "--claim",
        "samlSingleSignOnSettings" => "SAML settings",
        "samlSingleSignOnSettings.verificationCertificates" => "--verification-cert",
        _ => property,
    };

    private static (SamlApplicationUpdate? Update, string? Problem) ToUpdate(SamlApplication app, SingleSignOnChange change)
    {
        var settings = app.Settings;
        if (change.RelayState is { } relay) settings = settings with { RelayState = relay.Length == 0 ? null : relay };
        if (change.NameIdSource is { } source) settings = settings with { NameIdSource = source };
        if (change.NameIdFormat is { } format)
            settings = settings with { NameIdFormat = format.Length == 0 || format.Equals("default", StringComparison.OrdinalIgnoreCase) ? null : format };
        if (change.GroupClaims is { } groups)
        {
            if (SingleSignOnJson.ParseGroupClaims(groups) is not { } kind)
                return (null, $"--group-claims: '{groups}' is not a group claim kind; use none, securityGroups, all or applicationGroups.");
            settings = settings with { GroupClaims = kind };
        }
        if (change.RoleClaims is { } roleClaims) settings = settings with { RoleClaims = roleClaims };
        if (change.SigningOption is { } option)
        {
            if (SingleSignOnJson.ParseSigningOption(option) is not { } parsed)
                return (null, $"--signing-option: '{option}' is not a signing option; use assertion, response or responseAndAssertion.");
            settings = settings with { SigningOption = parsed };
        }
        if (change.SigningAlgorithm is { } algorithm) settings = settings with { SigningAlgorithm = algorithm.ToLowerInvariant() };
        if (change.VerificationCertificates is { } verification)
            settings = settings with { VerificationCertificates = verification.Select(Saml.VerificationCertificates.Canonical).ToList() };
        if (change.RequireVerificationCertificates is { } require) settings = settings with { RequireVerificationCertificates = require };
        if (change.AllowSha1RequestSignatures is { } allowSha1) settings = settings with { AllowSha1RequestSignatures = allowSha1 };
        if (change.SetClaims.Count > 0 || change.RemoveClaims.Count > 0)
        {
            var claims = settings.Claims.ToList();
            foreach (var name in change.RemoveClaims)
                if (claims.RemoveAll(c => c.Name.Equals(name, StringComparison.Ordinal)) == 0)
                    return (null, $"--remove-claim: the app issues no claim named '{name}'; 'idbridge tenant app show' lists its claims.");
            foreach (var claim in change.SetClaims)
            {
                var at = claims.FindIndex(c => c.Name.Equals(claim.Name, StringComparison.Ordinal));
                if (at >= 0) claims[at] = claim;
                else claims.Add(claim);
            }
            settings = settings with { Claims = claims };
        }

        IReadOnlyList<ReplyUrl>? replyUrls = null;
        if (change.ReplyUrls is { } uris) replyUrls = uris.Select((uri, index) => new ReplyUrl(uri, index, index == 0)).ToList();
        if (change.DefaultReplyUrl is { } chosen)
        {
            var list = replyUrls ?? app.ReplyUrls;
            if (!list.Any(r => r.Uri.Equals(chosen, StringComparison.Ordinal)))
                return (null, $"--default-reply-url: '{chosen}' is not one of the app's Reply URLs; add it with --reply-url.");
            replyUrls = list.Select(r => r with { IsDefault = r.Uri.Equals(chosen, StringComparison.Ordinal) }).ToList();
        }

        return (new SamlApplicationUpdate
        {
            PreferredSingleSignOnMode = change.Mode,
            Identifiers = change.Identifiers,
            ReplyUrls = replyUrls,
            SignOnUrl = change.SignOnUrl,
            LogoutUrl = change.LogoutUrl,
            NotificationEmailAddresses = change.NotificationEmailAddresses,
            AssignmentRequired = change.AssignmentRequired,
            Settings = settings == app.Settings ? null : settings,
        }, null);
    }

    /// <summary>The URLs and Identifier a service provider is configured with (Entra's "Set up {app}" section).</summary>
    public static SingleSignOnEndpoints EndpointsOf(SamlApplication app, string tenantUrl, string tenantId, FederationMetadataOptions? options = null)
    {
        var root = tenantUrl.TrimEnd('/');
        return new SingleSignOnEndpoints(
            LoginUrl: $"{root}/{tenantId}/saml2",
            LogoutUrl: $"{root}/{tenantId}/saml2",
            Issuer: (options ?? new FederationMetadataOptions()).Issuer(tenantId),
            MetadataUrl: $"{root}/{tenantId}/federationmetadata/2007-06/federationmetadata.xml?appid={app.AppId}");
    }

    public Task<IReadOnlyList<TokenSigningCertificate>> CertificatesOfAsync(SamlApplication app, CancellationToken cancellationToken) =>
        certificates.ListAsync(app.ServicePrincipalSysId, cancellationToken);

    /// <summary>Adds a signing certificate valid for the given years (Entra allows up to three); the first one becomes active.</summary>
    public async Task<AdminResult<TokenSigningCertificate>> AddCertificateAsync(SamlApplication app, int years, string actor,
        CancellationToken cancellationToken)
    {
        if (years is < 1 or > TokenSigningCertificates.MaxValidityYears)
            return AdminResult<TokenSigningCertificate>.Refused($"--years must be from 1 to {TokenSigningCertificates.MaxValidityYears}.");
        // The longest validity is the certificates' own default, which also takes care of leap days.
        DateTimeOffset? end = years == TokenSigningCertificates.MaxValidityYears ? null : time.GetUtcNow().AddYears(years);
        var (created, problem) = await certificates.AddAsync(app.ServicePrincipalSysId, null, end, actor, cancellationToken);
        return problem is null ? AdminResult<TokenSigningCertificate>.Done(created!) : AdminResult<TokenSigningCertificate>.Refused(problem.Message);
    }

    public async Task<AdminResult<TokenSigningCertificate>> ActivateCertificateAsync(SamlApplication app, string thumbprint, string actor,
        CancellationToken cancellationToken)
    {
        var activated = await certificates.ActivateAsync(app.ServicePrincipalSysId, thumbprint, actor, cancellationToken);
        return activated is null
            ? AdminResult<TokenSigningCertificate>.Refused($"The app has no certificate with the thumbprint '{thumbprint}'; 'idbridge tenant app cert list' shows them.")
            : AdminResult<TokenSigningCertificate>.Done(activated);
    }

    /// <summary>
    /// Deletes an inactive signing certificate, the last step of a rollover: the app's metadata stops listing it. The
    /// one that signs is refused with what to do first.
    /// </summary>
    public async Task<AdminResult<TokenSigningCertificate>> DeleteCertificateAsync(SamlApplication app, string thumbprint, string actor,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(thumbprint))
            return AdminResult<TokenSigningCertificate>.Refused("Give --thumbprint <thumbprint>; 'idbridge tenant app cert list' shows them.");
        var (deleted, problem) = await certificates.DeleteAsync(app.ServicePrincipalSysId, thumbprint, actor, cancellationToken);
        return problem is null
            ? AdminResult<TokenSigningCertificate>.Done(deleted!)
            : AdminResult<TokenSigningCertificate>.Refused(problem.Message +
                " 'idbridge tenant app cert list' shows the app's certificates; 'idbridge tenant app cert activate' makes another one active.");
    }

    /// <summary>A user by user principal name or a group by display name, as an assignment's principal.</summary>
    private async Task<AdminResult<(string SysId, string Type, string DisplayName)>> PrincipalAsync(string? userPrincipalName, string? groupName,
        CancellationToken cancellationToken)
    {
        if ((userPrincipalName is null) == (groupName is null))
            return new(default, "Give either --user <user principal name> or --group <group display name>.");
        if (userPrincipalName is not null)
        {
            var user = await directory.FindUserByPrincipalNameAsync(userPrincipalName.Trim(), cancellationToken);
            if (user is null || !string.IsNullOrEmpty(user["deleted_date_time"]))
                return new(default, $"No user has the user principal name '{userPrincipalName}'; check the spelling, including the domain.");
            return new((user.SysId, "User", user["display_name"] ?? user["user_principal_name"] ?? ""), null);
        }
        var groups = (await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.Group,
            Query = EncodedQuery.Where("display_name", groupName!.Trim()),
            Fields = ["sys_id", "display_name"],
            Limit = 2,
        }, cancellationToken)).Rows;
        return groups.Count switch
        {
            0 => new(default, $"No group is named '{groupName}'."),
            > 1 => new(default, $"More than one group is named '{groupName}'; rename one, or assign through Graph by object id."),
            _ => new((groups[0].SysId, "Group", groups[0]["display_name"] ?? ""), null),
        };
    }

    /// <summary>Assigns a user or group to the app with an app role (the default access role when none is given).</summary>
    public async Task<AdminResult<RecordRow>> AssignAsync(SamlApplication app, string? userPrincipalName, string? groupName, string? appRoleId,
        string actor, CancellationToken cancellationToken)
    {
        var principal = await PrincipalAsync(userPrincipalName, groupName, cancellationToken);
        if (!principal.Succeeded) return AdminResult<RecordRow>.Refused(principal.Problem!);
        var (principalId, principalType, principalName) = principal.Value;
        if (!TryRole(appRoleId, out var role)) return AdminResult<RecordRow>.Refused($"--role: '{appRoleId}' is not an app role id (a GUID).");
        var sp = await Store.GetAsync(DirectoryTables.ServicePrincipal, app.ServicePrincipalSysId, ["sys_id", "app_roles", "display_name"], cancellationToken: cancellationToken);
        if (role != DefaultAccessRoleId && !(sp?["app_roles"] ?? "").Contains(role, StringComparison.OrdinalIgnoreCase))
            return AdminResult<RecordRow>.Refused($"The app has no app role {role}; leave --role out for the default access role.");
        if ((await AssignmentsAsync(app, principalId, role, cancellationToken)).Count > 0)
            return AdminResult<RecordRow>.Refused($"{principalName} is already assigned to {app.DisplayName} with this role.");
        var result = await Store.InsertAsync(DirectoryTables.AppRoleAssignment, new Dictionary<string, string?>
        {
            ["sys_id"] = GraphIds.New(),
            ["resource_id"] = app.ServicePrincipalSysId,
            ["resource_display_name"] = app.DisplayName,
            ["principal_id"] = principalId,
            ["principal_type"] = principalType,
            ["principal_display_name"] = principalName,
            ["app_role_id"] = role,
            ["created_date_time"] = directory.Now(),
        }, new WriteOptions(actor), cancellationToken);
        return result.Succeeded
            ? AdminResult<RecordRow>.Done(result.Row!)
            : AdminResult<RecordRow>.Refused("The assignment could not be saved: " + result.Error?.Detail);
    }

    /// <summary>Removes a user's or group's assignments to the app (only those with the role, when one is given).</summary>
    public async Task<AdminResult<int>> UnassignAsync(SamlApplication app, string? userPrincipalName, string? groupName, string? appRoleId,
        CancellationToken cancellationToken)
    {
        var principal = await PrincipalAsync(userPrincipalName, groupName, cancellationToken);
        if (!principal.Succeeded) return AdminResult<int>.Refused(principal.Problem!);
        string? role = null;
        if (appRoleId is not null && !TryRole(appRoleId, out role)) return AdminResult<int>.Refused($"--role: '{appRoleId}' is not an app role id (a GUID).");
        var rows = await AssignmentsAsync(app, principal.Value.SysId, role, cancellationToken);
        if (rows.Count == 0) return AdminResult<int>.Refused($"{principal.Value.DisplayName} is not assigned to {app.DisplayName}.");
        foreach (var row in rows) await Store.DeleteAsync(DirectoryTables.AppRoleAssignment, row.SysId, cancellationToken);
        return AdminResult<int>.Done(rows.Count);
    }

    private static bool TryRole(string? text, out string role)
    {
        role = DefaultAccessRoleId;
        if (text is null) return true;
        if (!Guid.TryParse(text, out var id)) return false;
        role = id.ToString("D");
        return true;
    }

    private async Task<IReadOnlyList<RecordRow>> AssignmentsAsync(SamlApplication app, string principalId, string? role, CancellationToken cancellationToken)
    {
        var query = EncodedQuery.Where("resource_id", app.ServicePrincipalSysId).And(new QueryCondition("principal_id", QueryOperator.Equals, principalId));
        if (role is not null) query = query.And(new QueryCondition("app_role_id", QueryOperator.Equals, role));
        return (await Store.QueryAsync(new RecordQuery { Table = DirectoryTables.AppRoleAssignment, Query = query, Limit = 1000 }, cancellationToken)).Rows;
    }

    /// <summary>The assignments of an app, for listings.</summary>
    public async Task<IReadOnlyList<RecordRow>> AssignmentsOfAsync(SamlApplication app, CancellationToken cancellationToken) =>
        (await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.AppRoleAssignment,
            Query = EncodedQuery.Where("resource_id", app.ServicePrincipalSysId),
            Limit = 10_000,
        }, cancellationToken)).Rows;

    /// <summary>Gives a user a built-in directory role, named as the portal names it or by its template id.</summary>
    public async Task<AdminResult<DirectoryRole>> AssignDirectoryRoleAsync(string userPrincipalName, string roleName, string actor,
        CancellationToken cancellationToken)
    {
        var role = DirectoryRoles.Find(roleName.Trim());
        if (role is null)
            return AdminResult<DirectoryRole>.Refused($"'{roleName}' is not a directory role; use one of: {string.Join(", ", DirectoryRoles.BuiltIn.Select(r => r.DisplayName))}.");
        var principal = await PrincipalAsync(userPrincipalName, null, cancellationToken);
        if (!principal.Succeeded) return AdminResult<DirectoryRole>.Refused(principal.Problem!);
        await roles.AssignAsync(principal.Value.SysId, role, actor, cancellationToken);
        return AdminResult<DirectoryRole>.Done(role);
    }

    /// <summary>Sets a user's password; the store keeps only its hash.</summary>
    public async Task<AdminResult<string>> SetPasswordAsync(string userPrincipalName, string password, string actor, CancellationToken cancellationToken)
    {
        if (password.Length is < 8 or > 256)
            return AdminResult<string>.Refused("The password must be 8 to 256 characters long.");
        var principal = await PrincipalAsync(userPrincipalName, null, cancellationToken);
        if (!principal.Succeeded) return AdminResult<string>.Refused(principal.Problem!);
        var result = await directory.UpdateUserAsync(principal.Value.SysId, new Dictionary<string, string?> { ["password"] = password }, actor, cancellationToken);
        return result.Succeeded
            ? AdminResult<string>.Done(principal.Value.SysId)
            : AdminResult<string>.Refused("The password could not be saved: " + result.Error?.Detail);
    }
}
