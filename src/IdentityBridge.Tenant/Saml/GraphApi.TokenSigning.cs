using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Saml;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// A service principal's SAML token-signing certificates as Graph shows them: <c>addTokenSigningCertificate</c>,
/// the public parts in <c>keyCredentials</c>, the rollover by PATCH of <c>preferredTokenSigningKeyThumbprint</c>, and the
/// deletion of an inactive certificate by PATCH of <c>keyCredentials</c> without it.
/// No private key ever reaches a response.
/// </summary>
internal sealed partial class GraphApi
{
    private const string PreferredThumbprint = "preferredTokenSigningKeyThumbprint";

    private static string GraphDate(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Graph's customKeyIdentifier of a token-signing certificate: its SHA-1 thumbprint bytes, base64.</summary>
    private static string CustomKeyIdentifier(TokenSigningCertificate certificate) =>
        Convert.ToBase64String(certificate.Certificate.GetCertHash(HashAlgorithmName.SHA1));

    private static JsonObject KeyCredential(TokenSigningCertificate certificate, string usage) => new()
    {
        ["customKeyIdentifier"] = CustomKeyIdentifier(certificate),
        ["displayName"] = certificate.DisplayName,
        ["endDateTime"] = GraphDate(certificate.EndDateTime),
        // Only the public certificate; the Sign credential's key (the private one) stays in the store, as Graph
        // never returns it either.
        ["key"] = usage == "Verify" ? Convert.ToBase64String(certificate.Certificate.RawData) : null,
        ["keyId"] = certificate.KeyId,
        ["startDateTime"] = GraphDate(certificate.StartDateTime),
        ["type"] = "AsymmetricX509Cert",
        ["usage"] = usage,
    };

    private async Task AddSigningCertificatesAsync(JsonObject json, RecordRow servicePrincipal, CancellationToken cancellationToken)
    {
        var certificates = await signingCertificates.ListAsync(servicePrincipal.SysId, cancellationToken);
        // Entra lists a signing certificate twice: the Sign credential (private key, never shown) and the Verify one.
        json["keyCredentials"] = new JsonArray(certificates
            .SelectMany(c => new[] { KeyCredential(c, "Sign"), KeyCredential(c, "Verify") })
            .Select(c => (JsonNode)c).ToArray());
        json[PreferredThumbprint] = certificates.FirstOrDefault(c => c.Active)?.Thumbprint;
    }

    private async Task GetServicePrincipalWithKeysAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.ReadApplications);
        var row = await FindServicePrincipalAsync(id, request.Aborted);
        var json = GraphJson.Object(GraphType.ServicePrincipal, row, GraphJson.Select(GraphType.ServicePrincipal, null));
        DecorateServicePrincipal(json, row);
        await AddSingleSignOnAsync(json, row, _ => true, request.Aborted);
        await request.WriteAsync(StatusCodes.Status200OK, Entity(request, "servicePrincipals/$entity", json));
    }

    private async Task AddTokenSigningCertificateAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteApplications);
        var body = await request.BodyAsync();
        var sp = await FindServicePrincipalAsync(id, request.Aborted);
        if (body.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined))
            throw GraphException.BadRequest("The request body must be a JSON object such as {\"displayName\":\"CN=...\",\"endDateTime\":\"...\"}.");
        string? displayName = null;
        DateTimeOffset? end = null;
        if (body.ValueKind == JsonValueKind.Object)
        {
            if (body.TryGetProperty("displayName", out var name) && name.ValueKind != JsonValueKind.Null)
            {
                if (name.ValueKind != JsonValueKind.String) throw Invalid("displayName");
                displayName = name.GetString();
            }
            if (body.TryGetProperty("endDateTime", out var endValue) && endValue.ValueKind != JsonValueKind.Null)
            {
                if (endValue.ValueKind != JsonValueKind.String ||
                    !DateTimeOffset.TryParse(endValue.GetString(), CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                    throw Invalid("endDateTime");
                end = parsed;
            }
        }
        var (created, problem) = await signingCertificates.AddAsync(sp.SysId, displayName, end, request.Caller.AppId, request.Aborted);
        if (problem is not null) throw GraphException.BadRequest(problem.Message);
        var certificate = created!;
        await request.WriteAsync(StatusCodes.Status200OK, new JsonObject
        {
            ["@odata.context"] = request.Root + "$metadata#microsoft.graph.selfSignedCertificate",
            ["customKeyIdentifier"] = CustomKeyIdentifier(certificate),
            ["displayName"] = certificate.DisplayName,
            ["endDateTime"] = GraphDate(certificate.EndDateTime),
            ["key"] = Convert.ToBase64String(certificate.Certificate.RawData),
            ["keyId"] = certificate.KeyId,
            ["startDateTime"] = GraphDate(certificate.StartDateTime),
            ["thumbprint"] = certificate.Thumbprint,
            ["type"] = "AsymmetricX509Cert",
            ["usage"] = "Verify",
        });

        static GraphException Invalid(string property) => GraphJson.Invalid(GraphType.ServicePrincipal, property);
    }

    /// <summary>
    /// PATCH of a service principal. <c>preferredTokenSigningKeyThumbprint</c> activates one of its certificates and
    /// deactivates the others (Entra's rollover); <c>keyCredentials</c> without a certificate's entries deletes that
    /// certificate (<see cref="ReadKeyCredentialsAsync"/>); the single sign-on properties go through
    /// <see cref="SamlApplications.UpdateAsync"/>; the other writable properties are stored as given. Every value is
    /// checked before anything is written.
    /// </summary>
    private async Task UpdateServicePrincipalAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteApplications);
        var body = await request.BodyAsync();
        var sp = await FindServicePrincipalAsync(id, request.Aborted);
        if (body.ValueKind != JsonValueKind.Object) throw GraphException.BadRequest("The request body must be a JSON object.");
        string? thumbprint = null;
        foreach (var member in body.EnumerateObject())
        {
            if (!string.Equals(member.Name, PreferredThumbprint, StringComparison.OrdinalIgnoreCase)) continue;
            if (member.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(member.Value.GetString()))
                throw GraphJson.Invalid(GraphType.ServicePrincipal, PreferredThumbprint);
            thumbprint = member.Value.GetString()!.Trim();
        }
        var keyCredentials = body.EnumerateObject().Where(m => m.Name.Equals(KeyCredentials, StringComparison.OrdinalIgnoreCase))
            .Select(m => (JsonElement?)m.Value).LastOrDefault();
        var (singleSignOn, rest) = SplitSingleSignOn(body, PreferredThumbprint, KeyCredentials);
        var values = GraphJson.Values(GraphType.ServicePrincipal, JsonSerializer.SerializeToElement(rest));
        if (values.TryGetValue("app_id", out _)) throw GraphException.BadRequest("Property 'appId' is read-only and cannot be set.");
        var update = await ReadSingleSignOnAsync(sp.SysId, singleSignOn, request.Aborted);
        if (thumbprint is not null &&
            !(await signingCertificates.ListAsync(sp.SysId, request.Aborted)).Any(c => c.Thumbprint.Equals(thumbprint, StringComparison.OrdinalIgnoreCase)))
            throw GraphException.BadRequest(
                $"The thumbprint '{thumbprint}' is not one of this service principal's token-signing certificates; " +
                "add one with addTokenSigningCertificate and give its thumbprint.");
        var deleted = keyCredentials is { } given ? await ReadKeyCredentialsAsync(sp.SysId, given, thumbprint, request.Aborted) : [];

        // The settings first: the one change that can still be refused (an Identifier another app took meanwhile).
        if (update is not null) await ApplySingleSignOnAsync(request, sp.SysId, update);
        if (thumbprint is not null) await signingCertificates.ActivateAsync(sp.SysId, thumbprint, request.Caller.AppId, request.Aborted);
        // After the activation, so that one PATCH can switch to a new certificate and drop the old one.
        foreach (var certificate in deleted)
        {
            var (_, problem) = await signingCertificates.DeleteAsync(sp.SysId, certificate.Thumbprint, request.Caller.AppId, request.Aborted);
            if (problem is not null) throw InvalidKeyCredentials(problem.Message);
        }
        if (values.Count > 0)
        {
            var result = await Store.UpdateAsync(DirectoryTables.ServicePrincipal, sp.SysId, values, new(request.Caller.AppId), request.Aborted);
            if (!result.Succeeded) throw WriteFailed(GraphType.ServicePrincipal, result, "appId");
        }
        await request.NoContentAsync();
    }

    private static GraphException InvalidKeyCredentials(string reason) =>
        GraphException.BadRequest($"Invalid value specified for property '{KeyCredentials}' of resource 'ServicePrincipal': {reason}");

    /// <summary>
    /// Reads a PATCH of <c>keyCredentials</c> the way Entra removes a token-signing certificate: the client writes back
    /// what it read without the certificate's two entries (Sign and Verify, matched by <c>keyId</c> or
    /// <c>customKeyIdentifier</c>). Answers the certificates to delete. Nothing can be added or changed this way (a new
    /// certificate comes from addTokenSigningCertificate), and the one that will sign after this PATCH (its
    /// <paramref name="activating"/> thumbprint, else the current signer) cannot be dropped; such a PATCH is refused
    /// whole, naming keyCredentials, before anything is written.
    /// </summary>
    private async Task<IReadOnlyList<TokenSigningCertificate>> ReadKeyCredentialsAsync(string servicePrincipalSysId, JsonElement value,
        string? activating, CancellationToken cancellationToken)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw InvalidKeyCredentials("give the array read from the service principal, without the entries of the certificate to delete.");
        var all = await signingCertificates.ListAsync(servicePrincipalSysId, cancellationToken);
        var listed = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object)
                throw InvalidKeyCredentials("each entry must be a keyCredential object as read from the service principal.");
            var keyId = Text(entry, "keyId");
            var custom = Text(entry, "customKeyIdentifier");
            if (keyId is null && custom is null)
                throw InvalidKeyCredentials("an entry has neither keyId nor customKeyIdentifier; keyCredentials can only leave out existing " +
                                            "certificates, so add a token-signing certificate with addTokenSigningCertificate instead.");
            var byKeyId = keyId is null ? null : all.FirstOrDefault(c => string.Equals(c.KeyId, keyId, StringComparison.OrdinalIgnoreCase));
            var byCustom = custom is null ? null : all.FirstOrDefault(c => CustomKeyIdentifier(c) == custom);
            var certificate = byKeyId ?? byCustom;
            if (certificate is null || (keyId is not null && byKeyId is null) || (custom is not null && byCustom?.SysId != certificate.SysId))
                throw InvalidKeyCredentials($"the entry with keyId '{keyId ?? "(none)"}' is not one of this service principal's token-signing certificates; " +
                                            "keyCredentials can only leave out existing certificates, so add one with addTokenSigningCertificate instead.");
            var usage = Text(entry, "usage");
            if (usage is not ("Sign" or "Verify"))
                throw InvalidKeyCredentials($"the entry with keyId '{certificate.KeyId}' needs its usage, Sign or Verify, as read from the service principal.");
            if (Text(entry, "key") is { } key && key != Convert.ToBase64String(certificate.Certificate.RawData))
                throw InvalidKeyCredentials($"the entry with keyId '{certificate.KeyId}' has a different key; a certificate's key cannot be changed, " +
                                            "so add a new certificate with addTokenSigningCertificate instead.");
            if (!listed.TryGetValue(certificate.SysId, out var usages)) listed[certificate.SysId] = usages = new(StringComparer.Ordinal);
            usages.Add(usage);
        }
        foreach (var certificate in all.Where(c => listed.TryGetValue(c.SysId, out var usages) && usages.Count < 2))
            throw InvalidKeyCredentials($"only the {listed[certificate.SysId].Single()} entry of the certificate {certificate.Thumbprint} is listed; " +
                                        "list both its Sign and Verify entries to keep it, or neither to delete it.");

        var deleted = all.Where(c => !listed.ContainsKey(c.SysId)).ToList();
        var after = activating is null ? all : all.Select(c => c with { Active = c.Thumbprint.Equals(activating, StringComparison.OrdinalIgnoreCase) }).ToList();
        if (signingCertificates.Signer(after) is { } signer && deleted.Any(c => c.SysId == signer.SysId))
            throw InvalidKeyCredentials($"the certificate {signer.Thumbprint} signs the app's tokens and cannot be deleted; " +
                                        $"activate another certificate first (set {PreferredThumbprint}), then delete this one.");
        return deleted;

        static string? Text(JsonElement entry, string name) =>
            entry.EnumerateObject().Where(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                .Select(m => m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString() : null).LastOrDefault();
    }
}
