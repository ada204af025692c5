using System.Collections.Concurrent;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;

namespace IdentityBridge.Instance.Hosting;

/// <summary>
/// sys_properties, read through a short cache. A write through the Table API clears it at once; other nodes
/// see a change within <see cref="Lifetime"/>.
/// </summary>
public sealed class SystemProperties(Store store, TimeProvider time)
{
    public const string InvalidQueryReturnsNoRows = "glide.invalid_query.returns_no_rows";
    public const string ClientCredentialsEnabled = "glide.oauth.inbound.client.credential.grant_type.enabled";
    public const string MaxUnlockAttempts = "glide.user.max_unlock_attempts";
    public const string MultiSsoEnabled = "glide.authenticate.multisso.enabled";
    public const string MultiSsoDebug = "glide.authenticate.multisso.debug";
    public const string MultiSsoAutoProvision = "glide.authenticate.multisso.user.autoprovision";
    public const string LoginLocateUserField = "glide.authenticate.multisso.login_locate.user_field";
    public const string TestConnectionMandatory = "glide.authenticate.multisso.test.connection.mandatory";
    public const string RedirectIdp = "glide.authenticate.sso.redirect.idp";
    public const string SamlClockSkew = "glide.authenticate.sso.saml2.clockskew";
    public const string MaxSsoLoginOptions = "glide.authenticate.show.max.sso.login.option";
    public const string FailedRedirect = "glide.authenticate.failed_redirect";
    public const string ExternalLogoutRedirect = "glide.authenticate.external.logout_redirect";
    public const string DisableLocalLogin = "glide.authentication.external.disable_local_login";
    public const string SessionTimeout = "glide.ui.session_timeout";
    public const string MetadataRefreshHours = "glide.authenticate.multisso.metadata.refresh_interval_hours";

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    /// <summary>The properties the instance reads, with their defaults and what they do.</summary>
    public static IReadOnlyList<(string Name, string Value, string Type, string Description)> Defaults { get; } =
    [
        (InvalidQueryReturnsNoRows, "false", "boolean", "An encoded query with an invalid term returns no rows instead of dropping the term."),
        (ClientCredentialsEnabled, "false", "boolean", "Allow the OAuth client_credentials grant on oauth_token.do."),
        (MaxUnlockAttempts, "5", "integer", "Failed logins after which an account is locked out (0 turns lockout off)."),
        // Multi-Provider SSO, with ServiceNow's defaults (spec/servicenow.md 5.3).
        (MultiSsoEnabled, "false", "boolean", "Enable multiple provider SSO: the login page offers external login and the identity providers."),
        (MultiSsoDebug, "false", "boolean", "Enable debug logging for the multiple provider SSO integration."),
        (MultiSsoAutoProvision, "false", "boolean", "Enable Auto Importing of users from all identity providers into the user table."),
        (LoginLocateUserField, "user_name", "string", "The field on the user table that identifies a user accessing the User identification login page."),
        (TestConnectionMandatory, "true", "boolean", "An identity provider can be activated only after a successful Test Connection."),
        (RedirectIdp, "", "string", "sys_id of the Auto Redirect identity provider; empty turns auto-redirect off."),
        (SamlClockSkew, "180", "integer", "Seconds a SAML identity provider's clock may differ from ours, unless its record sets clock_skew."),
        (MaxSsoLoginOptions, "5", "integer", "The most identity-provider buttons the login page shows."),
        (FailedRedirect, "", "string", "Where a failed external login is sent; empty shows the instance's own page."),
        (ExternalLogoutRedirect, "", "string", "Where a user signed in through an identity provider is sent after logout; empty uses the record's setting."),
        (DisableLocalLogin, "false", "boolean", "Refuse user name and password on the login page to everyone but administrators once SSO is on."),
        (SessionTimeout, "30", "integer", "Minutes of inactivity after which a browser session ends."),
        // Daily, as ServiceNow's scheduled job "Refresh MultiSSO IDP Metadata" runs.
        (MetadataRefreshHours, "24", "integer", "Hours between refreshes of each identity provider's metadata from its Metadata URL (new signing certificates, endpoints); 0 turns the refresh off."),
    ];

    private readonly ConcurrentDictionary<string, (string? Value, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public async ValueTask<string?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(name, out var cached) && cached.Expires > now) return cached.Value;
        var row = await store.FindAsync(store.Tables.Find(InstanceTables.Properties)!, "name", name, cancellationToken);
        var value = row?["value"] ?? Defaults.FirstOrDefault(d => d.Name == name).Value;
        _cache[name] = (value, now + Lifetime);
        return value;
    }

    public async ValueTask<bool> GetBooleanAsync(string name, CancellationToken cancellationToken = default) =>
        string.Equals(await GetAsync(name, cancellationToken), "true", StringComparison.OrdinalIgnoreCase);

    public async ValueTask<int> GetIntegerAsync(string name, int fallback, CancellationToken cancellationToken = default) =>
        int.TryParse(await GetAsync(name, cancellationToken), out var value) ? value : fallback;

    public void Invalidate() => _cache.Clear();

    public async Task SetAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        var table = store.Tables.Find(InstanceTables.Properties)!;
        var row = await store.FindAsync(table, "name", name, cancellationToken);
        var values = new Dictionary<string, string?> { ["name"] = name, ["value"] = value };
        if (row is null) await store.InsertAsync(table, values, new WriteOptions("system"), cancellationToken);
        else await store.UpdateAsync(table, row.SysId, values, new WriteOptions("system"), cancellationToken);
        Invalidate();
    }
}
