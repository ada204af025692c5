using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Security;
using IdentityBridge.Tenant.Directory;

namespace IdentityBridge.Tenant.Saml;

/// <summary>The public parts of one SAML token-signing certificate of a service principal.</summary>
public sealed record TokenSigningCertificate
{
    public required string SysId { get; init; }
    public required string KeyId { get; init; }
    /// <summary>SHA-1 of the DER certificate in upper-case hex, as Entra shows it.</summary>
    public required string Thumbprint { get; init; }
    public required string DisplayName { get; init; }
    public required X509Certificate2 Certificate { get; init; }
    public required DateTimeOffset StartDateTime { get; init; }
    public required DateTimeOffset EndDateTime { get; init; }
    public required bool Active { get; init; }
}

/// <summary>A refused request to add, activate or delete a certificate, with what to do instead.</summary>
public sealed record SigningCertificateProblem(string Message);

/// <summary>
/// The SAML token-signing certificates of service principals (spec/saml.md 1.5): self-signed RSA-2048 with
/// SHA-256, valid three years unless a shorter end is asked for, several kept with one active. Private keys are stored
/// only as <see cref="SecretProtector"/> ciphertext, so a copy of the database alone signs nothing.
/// </summary>
public sealed class TokenSigningCertificates(Store store, SecretProtector protector, TimeProvider time)
{
    public const string DefaultDisplayName = "CN=Microsoft Azure Federated SSO Certificate";

    /// <summary>Entra's longest validity for an app's signing certificate.</summary>
    public const int MaxValidityYears = 3;

    private static TableDefinition Table => DirectoryTables.TokenSigningCertificate;

    /// <summary>
    /// Certificates with their private keys, by row, with the ciphertext they were read from: importing an RSA key
    /// costs several milliseconds, ten times the signature itself, and a row's certificate and key never change.
    /// Callers get a copy (sharing the key) that they dispose; the cached one is never handed out.
    /// </summary>
    private readonly ConcurrentDictionary<string, (string Ciphertext, X509Certificate2 Certificate)> _signers = new(StringComparer.Ordinal);

    /// <summary>Parsed public certificates by their PEM text, which every listing would otherwise parse again.</summary>
    private static readonly ConcurrentDictionary<string, X509Certificate2> Parsed = new(StringComparer.Ordinal);

    /// <summary>The service principal's certificates, the active one first, then newest first.</summary>
    public async Task<IReadOnlyList<TokenSigningCertificate>> ListAsync(string servicePrincipalSysId, CancellationToken cancellationToken)
    {
        var rows = (await store.QueryAsync(new RecordQuery
        {
            Table = Table,
            Query = EncodedQuery.Where("service_principal", servicePrincipalSysId),
            Fields = ["key_id", "thumbprint", "display_name", "certificate", "start_date_time", "end_date_time", "active", TableDefinition.CreatedOn],
            Limit = 100,
        }, cancellationToken)).Rows;
        return rows.Select(Describe)
            .OrderByDescending(c => c.Active)
            .ThenByDescending(c => c.StartDateTime)
            .ThenBy(c => c.Thumbprint, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Creates a certificate for the service principal. The first one becomes active; later ones wait for an
    /// activation, as in Entra, so a relying party can import the new one from metadata before the switch.
    /// </summary>
    public async Task<(TokenSigningCertificate? Created, SigningCertificateProblem? Problem)> AddAsync(
        string servicePrincipalSysId, string? displayName, DateTimeOffset? endDateTime, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Whole seconds: the store keeps seconds, and the certificate and its row should state the same dates.
        now = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var latest = now.AddYears(MaxValidityYears);
        var end = endDateTime ?? latest;
        if (end <= now) return (null, new("The endDateTime must be in the future; give a date up to three years from now."));
        if (end > latest.AddMinutes(1))
            return (null, new($"The endDateTime may be at most {MaxValidityYears} years from now ({latest:yyyy-MM-dd'T'HH:mm:ss'Z'}); give an earlier date or leave it out."));
        if (end > latest) end = latest;
        var name = string.IsNullOrWhiteSpace(displayName) ? DefaultDisplayName : displayName.Trim();
        if (!name.StartsWith("CN=", StringComparison.OrdinalIgnoreCase) || name.Length > 256)
            return (null, new("The displayName must be a subject name starting with 'CN=', such as 'CN=Microsoft Azure Federated SSO Certificate'."));
        X500DistinguishedName subject;
        try
        {
            subject = new X500DistinguishedName(name);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return (null, new($"The displayName '{name}' is not a valid subject name; use the form 'CN=Some name'."));
        }

        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(now, end);
        var existing = await ListAsync(servicePrincipalSysId, cancellationToken);
        var values = new Dictionary<string, string?>
        {
            [TableDefinition.SysId] = Guid.NewGuid().ToString("N"),
            ["service_principal"] = servicePrincipalSysId,
            ["key_id"] = Guid.NewGuid().ToString("D"),
            ["thumbprint"] = certificate.Thumbprint.ToUpperInvariant(),
            ["display_name"] = name,
            ["certificate"] = certificate.ExportCertificatePem(),
            ["private_key"] = protector.Protect(rsa.ExportPkcs8PrivateKeyPem()),
            ["start_date_time"] = GlideDateTimes.Format(now),
            ["end_date_time"] = GlideDateTimes.Format(end),
            ["active"] = existing.Any(c => c.Active) ? "false" : "true",
        };
        var result = await store.InsertAsync(Table, values, new WriteOptions(actor), cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException("The certificate could not be stored: " + result.Error?.Detail);
        var row = await store.GetAsync(Table, result.Row!.SysId, cancellationToken: cancellationToken)
                  ?? throw new InvalidOperationException("The stored certificate could not be read back.");
        return (Describe(row), null);
    }

    /// <summary>
    /// Makes the certificate with this thumbprint the one that signs, and every other one of the service principal
    /// inactive: Entra's rollover. Null when the service principal holds no such certificate.
    /// </summary>
    public async Task<TokenSigningCertificate?> ActivateAsync(string servicePrincipalSysId, string thumbprint, string actor,
        CancellationToken cancellationToken)
    {
        var all = await ListAsync(servicePrincipalSysId, cancellationToken);
        var chosen = all.FirstOrDefault(c => string.Equals(c.Thumbprint, thumbprint.Trim(), StringComparison.OrdinalIgnoreCase));
        if (chosen is null) return null;
        // Activate first, then deactivate the rest: a reader in between sees two active ones (and picks the
        // newest), never none.
        if (!chosen.Active)
            await store.UpdateAsync(Table, chosen.SysId, new Dictionary<string, string?> { ["active"] = "true" }, new WriteOptions(actor), cancellationToken);
        foreach (var other in all.Where(c => c.Active && c.SysId != chosen.SysId))
            await store.UpdateAsync(Table, other.SysId, new Dictionary<string, string?> { ["active"] = "false" }, new WriteOptions(actor), cancellationToken);
        return chosen with { Active = true };
    }

    /// <summary>
    /// Deletes an inactive certificate of the service principal, its row and its encrypted key, the last step of
    /// Entra's rollover: the app's federation metadata stops listing it, so a service provider that refreshes stops
    /// trusting it. The one that signs is refused, so deleting never leaves the app signing with nothing (or with an
    /// expired certificate where a valid one was signing). Answers the deleted certificate, or why nothing changed.
    /// </summary>
    /// <param name="actor">Who deletes, as for <see cref="ActivateAsync"/>; a deleted row keeps no sys_updated_by.</param>
    public async Task<(TokenSigningCertificate? Deleted, SigningCertificateProblem? Problem)> DeleteAsync(
        string servicePrincipalSysId, string thumbprint, string actor, CancellationToken cancellationToken)
    {
        var given = (thumbprint ?? "").Trim();
        var all = await ListAsync(servicePrincipalSysId, cancellationToken);
        var chosen = all.FirstOrDefault(c => string.Equals(c.Thumbprint, given, StringComparison.OrdinalIgnoreCase));
        if (chosen is null)
            return (null, new($"The app has no signing certificate with the thumbprint '{given}'; list its certificates and give one of their thumbprints."));
        if (chosen.Active)
            return (null, new($"The certificate {chosen.Thumbprint} is the active one and signs the app's tokens; activate another certificate first, then delete this one."));
        if (Signer(all)?.SysId == chosen.SysId)
            return (null, new($"The certificate {chosen.Thumbprint} signs the app's tokens because the active one has expired; activate it or another valid certificate first."));
        var result = await store.DeleteAsync(Table, chosen.SysId, cancellationToken);
        // Gone already (a concurrent delete) is the outcome asked for.
        if (!result.Succeeded && result.Error?.Kind != WriteErrorKind.NotFound)
            throw new InvalidOperationException("The certificate could not be deleted: " + result.Error?.Detail);
        _signers.TryRemove(chosen.SysId, out _);
        return (chosen, null);
    }

    /// <summary>
    /// The certificate that signs: the active one, unless it has expired while a newer one is still valid, in which
    /// case the newest valid one signs, as Entra does rather than sign with an expired key (spec/saml.md 1.5).
    /// </summary>
    public TokenSigningCertificate? Signer(IReadOnlyList<TokenSigningCertificate> certificates)
    {
        var now = time.GetUtcNow();
        var active = certificates.FirstOrDefault(c => c.Active);
        if (active is null || active.EndDateTime > now) return active;
        return certificates.Where(c => c.EndDateTime > now && c.StartDateTime > active.StartDateTime)
                   .OrderByDescending(c => c.StartDateTime).FirstOrDefault() ?? active;
    }

    /// <summary>The <see cref="Signer"/> with its private key; null with no problem when there is no certificate.</summary>
    public async Task<(X509Certificate2? Certificate, string? Problem)> LoadSignerAsync(TokenSigningCertificate? signer,
        CancellationToken cancellationToken)
    {
        if (signer is null) return (null, null);
        var row = await store.GetAsync(Table, signer.SysId, ["certificate", "private_key"], cancellationToken: cancellationToken);
        if (row?["private_key"] is { } ciphertext && _signers.TryGetValue(signer.SysId, out var cached) && cached.Ciphertext == ciphertext)
            return (new X509Certificate2(cached.Certificate), null);
        string? problem = "it is missing";
        var key = row?["private_key"] is { } stored ? protector.Unprotect(stored, out problem) : null;
        if (key is null) return (null, $"The signing certificate's private key cannot be read: {problem}.");
        var loaded = X509Certificate2.CreateFromPem(row!["certificate"], key);
        // Bounded by the number of certificates a tenant holds; a replaced entry's certificate is left to the GC,
        // since a copy of it may be signing on another thread.
        _signers[signer.SysId] = (row["private_key"]!, loaded);
        return (new X509Certificate2(loaded), null);
    }

    private static TokenSigningCertificate Describe(RecordRow row)
    {
        var pem = row["certificate"] ?? "";
        var certificate = Parsed.Count < 10_000 ? Parsed.GetOrAdd(pem, static p => X509Certificate2.CreateFromPem(p)) : X509Certificate2.CreateFromPem(pem);
        return new TokenSigningCertificate
        {
            SysId = row.SysId,
            KeyId = row["key_id"] ?? "",
            Thumbprint = row["thumbprint"] ?? certificate.Thumbprint,
            DisplayName = row["display_name"] ?? DefaultDisplayName,
            Certificate = certificate,
            StartDateTime = GlideDateTimes.TryParse(row["start_date_time"], out var start) ? start : certificate.NotBefore,
            EndDateTime = GlideDateTimes.TryParse(row["end_date_time"], out var end) ? end : certificate.NotAfter,
            Active = row["active"] == "true",
        };
    }
}
