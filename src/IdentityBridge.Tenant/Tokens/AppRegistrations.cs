using System.Security.Cryptography;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Security;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>An app registration: the client that asks the token endpoint for app-only Graph tokens.</summary>
public sealed record AppRegistration(string AppId, string DisplayName, IReadOnlyList<string> Permissions,
    string? ServicePrincipalId, DateTimeOffset CreatedDateTime)
{
    /// <summary>The object the token's <c>oid</c> and <c>sub</c> name: the service principal, or the app itself.</summary>
    public string ObjectId => ServicePrincipalId ?? AppId;
}

/// <summary>A client secret as Graph's <c>passwordCredential</c> describes it; the value is never kept.</summary>
public sealed record ClientSecretInfo(string KeyId, string DisplayName, string Hint, DateTimeOffset StartDateTime,
    DateTimeOffset EndDateTime);

/// <summary>A secret just added: <see cref="SecretText"/> is shown this once, as the Entra admin center does.</summary>
public sealed record NewClientSecret(ClientSecretInfo Credential, string SecretText);

/// <summary>What <c>idbridge tenant app create</c> prints: the registration and its first secret.</summary>
public sealed record ClientCredentials(AppRegistration Application, NewClientSecret Secret);

public enum ClientAuthenticationFailure
{
    UnknownApplication,
    InvalidSecret,
    ExpiredSecret,
}

/// <summary>The outcome of checking a client_id and client_secret.</summary>
public sealed record ClientAuthentication(AppRegistration? Application, ClientAuthenticationFailure? Failure)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// App registrations and their client secrets. Secrets are stored as PBKDF2 hashes (the store's password column)
/// next to Entra's three-character hint, which also narrows a check to the secrets that can match.
/// </summary>
public sealed class AppRegistrations(Store store, TimeProvider time)
{
    /// <summary>The Entra admin center's recommended lifetime for a new secret.</summary>
    public static readonly TimeSpan DefaultSecretLifetime = TimeSpan.FromDays(180);

    /// <summary>Entra refuses secrets that live longer than two years.</summary>
    public static readonly TimeSpan MaximumSecretLifetime = TimeSpan.FromDays(731);

    private static readonly WriteOptions System = new("system");

    private TableDefinition Applications => store.Tables.Find(TokenTables.Application)!;
    private TableDefinition Secrets => store.Tables.Find(TokenTables.ClientSecret)!;

    /// <summary>
    /// Registers an application with the given Graph application permissions (admin consent included). Give the
    /// appId to keep a known one (an import); otherwise a new GUID is drawn.
    /// </summary>
    public async Task<AppRegistration> RegisterAsync(string displayName, IEnumerable<string> permissions,
        string? appId = null, string? servicePrincipalId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        var (granted, problem) = ApplicationPermissions.Normalize(permissions);
        if (problem is not null) throw new ArgumentException(problem, nameof(permissions));
        var id = appId is null ? Guid.NewGuid() : Guid.Parse(appId);
        string? principal = servicePrincipalId is null ? null : Guid.Parse(servicePrincipalId).ToString("D");
        var written = await store.InsertAsync(Applications, new Dictionary<string, string?>
        {
            [TableDefinition.SysId] = id.ToString("N"),
            ["app_id"] = id.ToString("D"),
            ["display_name"] = displayName.Trim(),
            ["permissions"] = string.Join(' ', granted),
            ["service_principal_id"] = principal,
        }, System, cancellationToken);
        if (!written.Succeeded) throw new InvalidOperationException($"{written.Error!.Message}: {written.Error.Detail}");
        return ToRegistration(written.Row!);
    }

    /// <summary>Registers an application and gives it its first client secret, as an admin does in one go.</summary>
    public async Task<ClientCredentials> CreateClientAsync(string displayName, IEnumerable<string> permissions,
        TimeSpan? secretLifetime = null, string? secretDisplayName = null, CancellationToken cancellationToken = default)
    {
        var app = await RegisterAsync(displayName, permissions, cancellationToken: cancellationToken);
        var secret = await AddSecretAsync(app.AppId, secretDisplayName, secretLifetime, cancellationToken)
                     ?? throw new InvalidOperationException($"The application {app.AppId} vanished while its secret was added.");
        return new ClientCredentials(app, secret);
    }

    public async Task<AppRegistration?> FindAsync(string appId, CancellationToken cancellationToken = default)
    {
        var row = await RowAsync(appId, cancellationToken);
        return row is null ? null : ToRegistration(row);
    }

    public async Task<IReadOnlyList<AppRegistration>> ListAsync(CancellationToken cancellationToken = default)
    {
        var result = await store.QueryAsync(new RecordQuery { Table = Applications, Limit = 100_000 }, cancellationToken);
        return result.Rows.Select(ToRegistration).ToList();
    }

    /// <summary>Replaces the granted permissions; tokens issued before keep their roles until they expire, as in Entra.</summary>
    public async Task<bool> GrantAsync(string appId, IEnumerable<string> permissions, CancellationToken cancellationToken = default)
    {
        var (granted, problem) = ApplicationPermissions.Normalize(permissions);
        if (problem is not null) throw new ArgumentException(problem, nameof(permissions));
        var row = await RowAsync(appId, cancellationToken);
        if (row is null) return false;
        var written = await store.UpdateAsync(Applications, row.SysId,
            new Dictionary<string, string?> { ["permissions"] = string.Join(' ', granted) }, System, cancellationToken);
        return written.Succeeded;
    }

    /// <summary>Links the app to its service principal, whose object id then goes into the tokens' oid and sub.</summary>
    public async Task<bool> SetServicePrincipalAsync(string appId, string servicePrincipalId,
        CancellationToken cancellationToken = default)
    {
        var row = await RowAsync(appId, cancellationToken);
        if (row is null || !Guid.TryParse(servicePrincipalId, out var id)) return false;
        var written = await store.UpdateAsync(Applications, row.SysId,
            new Dictionary<string, string?> { ["service_principal_id"] = id.ToString("D") }, System, cancellationToken);
        return written.Succeeded;
    }

    /// <summary>Deletes the registration and its secrets: its client can no longer get tokens.</summary>
    public async Task<bool> DeleteAsync(string appId, CancellationToken cancellationToken = default)
    {
        var row = await RowAsync(appId, cancellationToken);
        if (row is null) return false;
        await store.DeleteWhereAsync(Secrets, EncodedQuery.Where("application", row.SysId), cancellationToken);
        return (await store.DeleteAsync(Applications, row.SysId, cancellationToken)).Succeeded;
    }

    /// <summary>
    /// Adds a client secret valid from now for the lifetime given (180 days by default, at most two years) and
    /// returns its value, which is not kept and cannot be read again.
    /// </summary>
    public async Task<NewClientSecret?> AddSecretAsync(string appId, string? displayName = null, TimeSpan? lifetime = null,
        CancellationToken cancellationToken = default)
    {
        var span = lifetime ?? DefaultSecretLifetime;
        if (span <= TimeSpan.Zero || span > MaximumSecretLifetime)
            throw new ArgumentOutOfRangeException(nameof(lifetime), span, "A client secret lives from one second to two years.");
        var app = await RowAsync(appId, cancellationToken);
        if (app is null) return null;
        var text = NewSecretText();
        var keyId = Guid.NewGuid();
        // Stored times have whole seconds; the reply says what was stored.
        var start = TruncateToSeconds(time.GetUtcNow());
        var end = start + span;
        var written = await store.InsertAsync(Secrets, new Dictionary<string, string?>
        {
            [TableDefinition.SysId] = keyId.ToString("N"),
            ["key_id"] = keyId.ToString("D"),
            ["application"] = app.SysId,
            ["display_name"] = displayName?.Trim() ?? "",
            ["hash"] = text,
            ["hint"] = text[..3],
            ["start_date_time"] = GlideDateTimes.Format(start),
            ["end_date_time"] = GlideDateTimes.Format(end),
        }, System, cancellationToken);
        if (!written.Succeeded) throw new InvalidOperationException($"{written.Error!.Message}: {written.Error.Detail}");
        return new NewClientSecret(new ClientSecretInfo(keyId.ToString("D"), displayName?.Trim() ?? "", text[..3], start, end), text);
    }

    public async Task<IReadOnlyList<ClientSecretInfo>> SecretsAsync(string appId, CancellationToken cancellationToken = default)
    {
        var app = await RowAsync(appId, cancellationToken);
        if (app is null) return [];
        return (await SecretRowsAsync(app.SysId, cancellationToken)).Select(ToSecret).ToList();
    }

    public async Task<bool> RemoveSecretAsync(string appId, string keyId, CancellationToken cancellationToken = default)
    {
        var app = await RowAsync(appId, cancellationToken);
        if (app is null || !Guid.TryParse(keyId, out var key)) return false;
        var secret = await store.GetAsync(Secrets, key.ToString("N"), cancellationToken: cancellationToken);
        if (secret is null || secret["application"] != app.SysId) return false;
        return (await store.DeleteAsync(Secrets, secret.SysId, cancellationToken)).Succeeded;
    }

    /// <summary>
    /// Checks a client secret: it must match a secret of the app that is in force now. A secret that matches but has
    /// expired (or is not yet valid) is told apart, because Entra answers it with its own code (AADSTS7000222).
    /// </summary>
    public async Task<ClientAuthentication> AuthenticateAsync(string appId, string secret,
        CancellationToken cancellationToken = default)
    {
        var row = await RowAsync(appId, cancellationToken);
        if (row is null) return new(null, ClientAuthenticationFailure.UnknownApplication);
        var app = ToRegistration(row);
        if (secret.Length is < 3 or > 512) return new(app, ClientAuthenticationFailure.InvalidSecret);
        var now = time.GetUtcNow();
        var expired = false;
        foreach (var candidate in await SecretRowsAsync(row.SysId, cancellationToken))
        {
            // The hint is the secret's first three characters: only secrets that share it need the slow hash.
            if (!string.Equals(candidate["hint"], secret[..3], StringComparison.Ordinal)) continue;
            var hash = await store.GetPasswordHashAsync(Secrets, candidate.SysId, "hash", cancellationToken);
            if (!PasswordHasher.Verify(secret, hash)) continue;
            var info = ToSecret(candidate);
            if (now >= info.StartDateTime && now < info.EndDateTime) return new(app, null);
            expired = true;
        }
        return new(app, expired ? ClientAuthenticationFailure.ExpiredSecret : ClientAuthenticationFailure.InvalidSecret);
    }

    private async Task<RecordRow?> RowAsync(string appId, CancellationToken cancellationToken) =>
        Guid.TryParse(appId, out var id)
            ? await store.GetAsync(Applications, id.ToString("N"), cancellationToken: cancellationToken)
            : null;

    private async Task<IReadOnlyList<RecordRow>> SecretRowsAsync(string applicationSysId, CancellationToken cancellationToken) =>
        (await store.QueryAsync(new RecordQuery
        {
            Table = Secrets,
            Query = EncodedQuery.Where("application", applicationSysId),
            Limit = 1_000,
        }, cancellationToken)).Rows;

    private static AppRegistration ToRegistration(RecordRow row) => new(
        row["app_id"]!,
        row["display_name"] ?? "",
        (row["permissions"] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        string.IsNullOrEmpty(row["service_principal_id"]) ? null : row["service_principal_id"],
        GlideDateTimes.TryParse(row[TableDefinition.CreatedOn], out var created) ? created : DateTimeOffset.MinValue);

    private static ClientSecretInfo ToSecret(RecordRow row) => new(
        row["key_id"]!,
        row["display_name"] ?? "",
        row["hint"] ?? "",
        GlideDateTimes.TryParse(row["start_date_time"], out var start) ? start : DateTimeOffset.MaxValue,
        GlideDateTimes.TryParse(row["end_date_time"], out var end) ? end : DateTimeOffset.MinValue);

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.Ticks - value.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

    /// <summary>
    /// A secret shaped like Entra's: 40 characters, a three-character hint, then <c>8Q~</c> (the format marker real
    /// secrets carry), then 34 random characters of the URL-safe alphabet.
    /// </summary>
    private static string NewSecretText()
    {
        var hint = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 3);
        return hint + "8Q~" + RandomNumberGenerator.GetString(SecretAlphabet, 34);
    }
}
