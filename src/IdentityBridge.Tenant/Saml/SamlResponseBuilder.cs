using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Xml;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.SignIn;

namespace IdentityBridge.Tenant.Saml;

/// <summary>One sign-on to answer: who, to which app, where the response goes and what it answers.</summary>
public sealed record SignOnRequest
{
    public required SamlApplication App { get; init; }
    /// <summary>The user row, with every column of <see cref="UserAttributeSources.UserColumns"/>.</summary>
    public required RecordRow User { get; init; }
    /// <summary>When the user proved who they are (the tenant session's start): the AuthnInstant.</summary>
    public required DateTimeOffset AuthenticatedAt { get; init; }
    /// <summary>The Reply URL the response is posted to.</summary>
    public required string ReplyUrl { get; init; }
    /// <summary>The AuthnRequest ID answered; null for an IdP-initiated (unsolicited) response.</summary>
    public string? InResponseTo { get; init; }
    /// <summary>The AuthnRequest's Issuer; null when IdP-initiated.</summary>
    public string? RequestIssuer { get; init; }
    /// <summary>The AuthnRequest's NameIDPolicy Format; null when none was asked for.</summary>
    public string? RequestedNameIdFormat { get; init; }
    /// <summary>
    /// The user's assignments to the app (<see cref="SamlApplications.AssignmentsOfAsync"/>), read once by the caller
    /// that checked them: the role and application-group claims come from the same rows.
    /// </summary>
    public required IReadOnlyList<RecordRow> Assignments { get; init; }
}

/// <summary>
/// Builds the SAML response Entra sends an app (spec/saml.md 1.2-1.6): Issuer, Audience, NameID by the app's source
/// and format, the fixed claims in Entra's order, the app's claims, groups and roles, signed with the app's signing
/// certificate as its settings say.
/// </summary>
public sealed class SamlResponseBuilder(Store store, SamlApplications applications, TokenSigningCertificates certificates,
    PairwiseNameIds pairwise, FederationMetadataOptions metadata, TimeProvider time)
{
    /// <summary>Entra issues at most this many group ids; beyond, the groups.link overage claim points to Graph.</summary>
    public const int GroupLimit = 150;

    public const string GroupsLinkClaim = "http://schemas.microsoft.com/claims/groups.link";

    /// <summary>The app role every assignment without a specific role has; it carries no role claim.</summary>
    private const string DefaultAccessRoleId = "00000000-0000-0000-0000-000000000000";

    /// <summary>
    /// What the response will say, unsigned. An error when the user has no value for the NameID source: Entra refuses
    /// rather than send an empty NameID, which an app would match against nobody or, worse, everybody.
    /// </summary>
    public async Task<(ResponseDescription? Description, SignInError? Error)> DescribeAsync(string tenantId, SignOnRequest request,
        CancellationToken cancellationToken)
    {
        var app = request.App;
        var user = request.User;
        var issuer = metadata.Issuer(tenantId);
        var format = NameIdFormat(app.Settings, request.RequestedNameIdFormat);
        string? nameId;
        try
        {
            nameId = format switch
            {
                SamlNames.NameIdPersistent => await pairwise.PersistentAsync(user.SysId, app.AppId, cancellationToken),
                SamlNames.NameIdTransient => PairwiseNameIds.Transient(),
                _ => UserAttributeSources.Read(user, app.Settings.NameIdSource),
            };
        }
        catch (PairwiseSecretException e)
        {
            return (null, IdentityProviderErrors.PairwiseSecretUnreadable(e.Message));
        }
        if (nameId is null)
            return (null, IdentityProviderErrors.NameIdValueMissing(app.Settings.NameIdSource, user["user_principal_name"] ?? user.SysId));

        var audience = Audience(app, request.RequestIssuer);
        var assertionId = "_" + Guid.NewGuid().ToString("D");
        return (new ResponseDescription
        {
            AssertionId = assertionId,
            Issuer = issuer,
            Destination = request.ReplyUrl,
            Audience = audience,
            InResponseTo = request.InResponseTo,
            NameId = nameId,
            NameIdFormat = format,
            IssueInstant = time.GetUtcNow(),
            AuthnInstant = request.AuthenticatedAt,
            // Entra's SessionIndex is the assertion ID (spec/saml.md 1.2): unique per sign-on, so single logout can name it.
            SessionIndex = assertionId,
            AuthnContextClassRef = SamlNames.PasswordContext,
            Attributes = await ClaimsAsync(tenantId, issuer, app, user, request.Assignments, cancellationToken),
        }, null);
    }

    /// <summary>The IdP's entity id: Issuer of every response and logout message.</summary>
    public string Issuer(string tenantId) => metadata.Issuer(tenantId);

    /// <summary>What keeps the app from an IdP-initiated sign-on (a tile, the Test action), or null when it is ready.</summary>
    public async Task<SignInError?> LaunchProblemAsync(SamlApplication app, CancellationToken cancellationToken)
    {
        if (!app.UsesSaml) return IdentityProviderErrors.NotSetUpForSaml(app);
        if (app.DefaultReplyUrl is null) return IdentityProviderErrors.NoReplyUrl(app.AppId);
        if (app.DefaultIdentifier is null) return IdentityProviderErrors.NoIdentifier(app);
        var signer = certificates.Signer(await certificates.ListAsync(app.ServicePrincipalSysId, cancellationToken));
        return signer is null ? IdentityProviderErrors.NoSigningCertificate(app, null) : null;
    }

    /// <summary>The certificate that signs the app's responses (public part), or null when it has none.</summary>
    public async Task<TokenSigningCertificate?> SigningCertificateAsync(SamlApplication app, CancellationToken cancellationToken) =>
        certificates.Signer(await certificates.ListAsync(app.ServicePrincipalSysId, cancellationToken));

    /// <summary>Signs the response with the app's signing certificate, as its signing option and algorithm say.</summary>
    public async Task<(XmlDocument? Document, SignInError? Error)> SignAsync(SamlApplication app, ResponseDescription description,
        CancellationToken cancellationToken)
    {
        var (certificate, problem) = await LoadSignerAsync(app, cancellationToken);
        if (certificate is null) return (null, IdentityProviderErrors.NoSigningCertificate(app, problem));
        using (certificate)
            return (ResponseWriter.WriteSigned(description, certificate, app.Settings.SigningOption, app.Settings.SignatureMethod), null);
    }

    /// <summary>The app's signing certificate with its private key; null and why when there is none.</summary>
    public async Task<(X509Certificate2? Certificate, string? Problem)> LoadSignerAsync(SamlApplication app, CancellationToken cancellationToken)
    {
        var signer = certificates.Signer(await certificates.ListAsync(app.ServicePrincipalSysId, cancellationToken));
        return await certificates.LoadSignerAsync(signer, cancellationToken);
    }

    /// <summary>
    /// The Audience: the request's Issuer when it is one of the app's Identifiers; an Issuer that named the app by
    /// its application id is not a URI, and Entra then writes it with the <c>spn:</c> prefix (spec/saml.md 1.3);
    /// IdP-initiated responses go to the default Identifier.
    /// </summary>
    public static string Audience(SamlApplication app, string? requestIssuer)
    {
        if (requestIssuer is not null && app.Identifiers.Contains(requestIssuer, StringComparer.Ordinal)) return requestIssuer;
        if (requestIssuer is not null && Guid.TryParse(requestIssuer, out _)) return "spn:" + requestIssuer;
        return app.DefaultIdentifier ?? "spn:" + app.AppId;
    }

    /// <summary>
    /// The NameID format: the request's NameIDPolicy when it names one the app may issue (unspecified leaves the
    /// choice to the app's setting), else the app's setting, else emailAddress (spec/saml.md 1.3).
    /// </summary>
    public static string NameIdFormat(SamlSettings settings, string? requested) =>
        requested is not null && requested != SamlNames.NameIdUnspecified && SamlApplications.NameIdFormats.Contains(requested, StringComparer.Ordinal)
            ? requested
            : settings.NameIdFormat ?? SamlNames.NameIdEmail;

    private async Task<IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>>> ClaimsAsync(string tenantId, string issuer,
        SamlApplication app, RecordRow user, IReadOnlyList<RecordRow> assignments, CancellationToken cancellationToken)
    {
        var objectId = GraphIds.FromSysId(user.SysId);
        var claims = new List<KeyValuePair<string, IReadOnlyList<string>>>();
        void Add(string name, params IReadOnlyList<string> values)
        {
            if (values.Count > 0) claims.Add(new(name, values));
        }

        Add(SamlClaimTypes.TenantId, tenantId);
        Add(SamlClaimTypes.ObjectId, objectId);
        if (UserAttributeSources.Read(user, "user.displayname") is { } displayName) Add(SamlClaimTypes.DisplayName, displayName);
        Add(SamlClaimTypes.IdentityProvider, issuer);
        Add(SamlClaimTypes.AuthnMethodsReferences, SamlClaimTypes.PasswordMethod);
        // Entra leaves out a claim whose user attribute is empty rather than send an empty value.
        foreach (var claim in app.Settings.Claims)
            if (UserAttributeSources.Read(user, claim.Source) is { } value) Add(claim.Name, value);

        if (app.Settings.GroupClaims != GroupClaimKind.None)
        {
            var groups = await GroupIdsAsync(user.SysId, app.Settings.GroupClaims, assignments, cancellationToken);
            if (groups.Count > GroupLimit)
                Add(GroupsLinkClaim, $"https://graph.windows.net/{tenantId}/users/{objectId}/getMemberObjects");
            else Add(SamlClaimTypes.Groups, groups);
        }
        if (app.Settings.RoleClaims) Add(SamlClaimTypes.Role, await RoleValuesAsync(app, assignments, cancellationToken));
        return claims;
    }

    /// <summary>The object ids of the user's groups of the kind chosen, in a stable order.</summary>
    private async Task<IReadOnlyList<string>> GroupIdsAsync(string userSysId, GroupClaimKind kind, IReadOnlyList<RecordRow> assignments,
        CancellationToken cancellationToken)
    {
        var memberOf = await applications.GroupIdsAsync(userSysId, cancellationToken);
        if (memberOf.Count == 0) return [];
        IEnumerable<string> chosen = memberOf;
        if (kind == GroupClaimKind.SecurityGroups)
        {
            var security = new HashSet<string>(StringComparer.Ordinal);
            foreach (var chunk in memberOf.Chunk(500))
            {
                var rows = await store.QueryAsync(new RecordQuery
                {
                    Table = DirectoryTables.Group,
                    Query = EncodedQuery.Where(TableDefinition.SysId, string.Join(',', chunk), QueryOperator.In),
                    Fields = [TableDefinition.SysId, "security_enabled"],
                    Limit = chunk.Length,
                }, cancellationToken);
                security.UnionWith(rows.Rows.Where(r => r["security_enabled"] != "false").Select(r => r.SysId));
            }
            chosen = memberOf.Where(security.Contains);
        }
        else if (kind == GroupClaimKind.ApplicationGroups)
        {
            var assigned = assignments
                .Where(a => a["principal_type"] == "Group").Select(a => a["principal_id"]).OfType<string>().ToHashSet(StringComparer.Ordinal);
            chosen = memberOf.Where(assigned.Contains);
        }
        return chosen.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(GraphIds.FromSysId).ToList();
    }

    /// <summary>The value of every app role the user holds at the app, directly or through a group.</summary>
    private async Task<IReadOnlyList<string>> RoleValuesAsync(SamlApplication app, IReadOnlyList<RecordRow> assignments,
        CancellationToken cancellationToken)
    {
        var roleIds = assignments
            .Select(a => a["app_role_id"]).OfType<string>()
            .Where(id => !id.Equals(DefaultAccessRoleId, StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (roleIds.Count == 0) return [];
        var row = await store.GetAsync(DirectoryTables.ServicePrincipal, app.ServicePrincipalSysId, ["app_roles"], cancellationToken: cancellationToken);
        var values = new List<string>();
        try
        {
            using var roles = JsonDocument.Parse(row?["app_roles"] is { Length: > 0 } json ? json : "[]");
            if (roles.RootElement.ValueKind != JsonValueKind.Array) return [];
            foreach (var role in roles.RootElement.EnumerateArray())
            {
                if (role.ValueKind != JsonValueKind.Object) continue;
                if (!role.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || !roleIds.Contains(id.GetString()!)) continue;
                if (role.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
                    values.Add(text);
            }
        }
        catch (JsonException)
        {
            // App roles that cannot be read give no role claims rather than a failed sign-in.
        }
        return values.Distinct(StringComparer.Ordinal).ToList();
    }
}
