using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Sso;

/// <summary>Why a signed-in identity did not become a user; stable codes for the ACS and the doctor.</summary>
public enum SsoUserFailure
{
    /// <summary>The assertion carries no value to find the user by.</summary>
    MissingIdentifier,
    /// <summary>No sys_user has the value, and just-in-time provisioning is off.</summary>
    UserNotFound,
    /// <summary>More than one sys_user has the value; signing in as either would be a guess.</summary>
    AmbiguousUser,
    UserInactive,
    UserLockedOut,
    /// <summary>The record's user_field is not a field users can be found by.</summary>
    InvalidUserField,
    /// <summary>Just-in-time provisioning was on, and creating the user failed.</summary>
    ProvisioningFailed,
}

/// <summary>The user a SAML sign-in resolved to, or why it failed (with the message written to syslog).</summary>
public sealed record SsoUserResult
{
    public string? UserSysId { get; init; }
    public string? UserName { get; init; }
    public bool Created { get; init; }
    /// <summary>The fields an update-on-login changed.</summary>
    public IReadOnlyList<string> UpdatedFields { get; init; } = [];
    public SsoUserFailure? Failure { get; init; }
    public string? Message { get; init; }
    public bool Succeeded => Failure is null;

    public static SsoUserResult Fail(SsoUserFailure failure, string message) => new() { Failure = failure, Message = message };
}

/// <summary>
/// Turns a validated SAML identity into a sys_user, as Multi-Provider SSO does (spec/servicenow.md 5.5, 5.6): finds
/// the user whose record's <c>user_field</c> equals the NameID, refuses users who may not sign in, creates the user
/// when both the record and <c>glide.authenticate.multisso.user.autoprovision</c> allow it, and updates the mapped
/// fields on each login when the record asks. Independent of XML: the ACS gives it what validation extracted.
/// </summary>
public sealed class SsoUserResolver(Store store, SystemProperties properties, SystemLog log, Authenticator authenticator)
{
    /// <param name="dryRun">Test Connection: find the user and say what would happen, but create and change nothing.</param>
    public async Task<SsoUserResult> ResolveAsync(IdentityProviderRecord record, string? nameId,
        IReadOnlyDictionary<string, IReadOnlyList<string>> attributes, CancellationToken cancellationToken, bool dryRun = false)
    {
        var users = store.Tables.Find(InstanceTables.User)!;
        var field = record.UserField;
        if (!AttributeMap.IsMappable(field) || users.Column(field) is null)
            return await FailAsync(SsoUserFailure.InvalidUserField,
                $"Identity provider {record.Name}: User Field '{field}' is not a sys_user field users can be found by", cancellationToken);

        // A custom NameID policy names the attribute that carries the identifier instead (spec/servicenow.md 5.2).
        var value = record.NameIdAttribute is { } attribute ? First(attributes, attribute) : nameId;
        value = value?.Trim();
        if (string.IsNullOrEmpty(value) || value.Length > (users.Column(field)!.MaxLength) || value.Contains('\0'))
            return await FailAsync(SsoUserFailure.MissingIdentifier,
                $"User: {Quote(value)} not found: the response from {record.Name} carries no usable {(record.NameIdAttribute ?? "NameID")}",
                cancellationToken);

        var matches = await FindAsync(users, field, value, cancellationToken);
        if (matches.Count > 1)
            return await FailAsync(SsoUserFailure.AmbiguousUser,
                $"User: {Quote(value)} not found: {matches.Count} users have {field} '{Quote(value)}'; make it unique", cancellationToken);
        if (matches.Count == 0 && dryRun)
            return record.AutoProvision && await properties.GetBooleanAsync(SystemProperties.MultiSsoAutoProvision, cancellationToken)
                ? new SsoUserResult { UserName = value, Message = $"User: {Quote(value)} would be created on first login" }
                : SsoUserResult.Fail(SsoUserFailure.UserNotFound, $"User: {Quote(value)} not found");
        if (matches.Count == 0) return await ProvisionAsync(record, users, field, value, attributes, cancellationToken);

        var user = matches[0];
        if (user["active"] != "true")
            return await FailAsync(SsoUserFailure.UserInactive, $"User: {Quote(value)} not found: the user is inactive", cancellationToken);
        if (user["locked_out"] == "true")
            return await FailAsync(SsoUserFailure.UserLockedOut, $"User: {Quote(value)} not found: the user is locked out", cancellationToken);

        var updated = new List<string>();
        if (record.AutoUpdateUser && !dryRun)
        {
            var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
            // The user_field is the key the user is found by; the identity provider's attributes do not move it.
            foreach (var (target, mapped) in Mapped(record, users, attributes))
                if (target != field && !string.Equals(user[target], mapped, StringComparison.Ordinal)) changes[target] = mapped;
            if (changes.Count > 0)
            {
                var result = await store.UpdateAsync(users, user.SysId, changes, new WriteOptions("system"), cancellationToken);
                if (result.Error is { } error)
                    await log.WriteAsync(SyslogLevel.Warning, SsoLog.Source,
                        $"User: {user["user_name"]} was not updated from {record.Name}: {error.Detail}", cancellationToken);
                else
                {
                    updated.AddRange(changes.Keys);
                    authenticator.Forget(user.SysId);
                }
            }
        }
        return new SsoUserResult { UserSysId = user.SysId, UserName = user["user_name"], UpdatedFields = updated };
    }

    private async Task<SsoUserResult> ProvisionAsync(IdentityProviderRecord record, TableDefinition users, string field, string value,
        IReadOnlyDictionary<string, IReadOnlyList<string>> attributes, CancellationToken cancellationToken)
    {
        if (!record.AutoProvision || !await properties.GetBooleanAsync(SystemProperties.MultiSsoAutoProvision, cancellationToken))
            return await FailAsync(SsoUserFailure.UserNotFound, $"User: {value} not found", cancellationToken);

        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (target, mapped) in Mapped(record, users, attributes)) values[target] = mapped;
        values[field] = value;
        if (string.IsNullOrEmpty(values.GetValueOrDefault("user_name"))) values["user_name"] = value;
        values["source"] = record.EntityId;
        values["active"] = "true";
        var created = await store.InsertAsync(users, values, new WriteOptions("system"), cancellationToken);
        if (created.Error is { } error)
        {
            // Two first sign-ins of one new user at once: the other one created it.
            if (error.Kind == WriteErrorKind.Aborted && await FindAsync(users, field, value, cancellationToken) is [var raced] &&
                raced["active"] == "true" && raced["locked_out"] != "true")
                return new SsoUserResult { UserSysId = raced.SysId, UserName = raced["user_name"] };
            return await FailAsync(SsoUserFailure.ProvisioningFailed,
                $"User: {value} not found, and could not be created from {record.Name}: {error.Detail}", cancellationToken);
        }
        await log.WriteAsync(SyslogLevel.Information, SsoLog.Source,
            $"User: {created.Row!["user_name"]} created on first login through {record.Name}", cancellationToken);
        return new SsoUserResult { UserSysId = created.Row!.SysId, UserName = created.Row["user_name"], Created = true };
    }

    /// <summary>The first value of each mapped attribute, cut to its column's length.</summary>
    private static IEnumerable<(string Field, string Value)> Mapped(IdentityProviderRecord record, TableDefinition users,
        IReadOnlyDictionary<string, IReadOnlyList<string>> attributes)
    {
        foreach (var (claim, target) in record.AttributeMap.Entries)
        {
            if (users.Column(target) is not { } column) continue;
            var mapped = First(attributes, claim)?.Trim().Replace('\0', '\uFFFD');
            if (string.IsNullOrEmpty(mapped)) continue;
            yield return (target, mapped.Length > column.MaxLength ? mapped[..column.MaxLength] : mapped);
        }
    }

    private async Task<IReadOnlyList<RecordRow>> FindAsync(TableDefinition users, string field, string value, CancellationToken cancellationToken) =>
        (await store.QueryAsync(new RecordQuery
        {
            Table = users,
            Query = EncodedQuery.Where(field, value),
            Limit = 5,
        }, cancellationToken)).Rows;

    private static string? First(IReadOnlyDictionary<string, IReadOnlyList<string>> attributes, string name) =>
        attributes.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    private async Task<SsoUserResult> FailAsync(SsoUserFailure failure, string message, CancellationToken cancellationToken)
    {
        await log.WriteAsync(SyslogLevel.Error, SsoLog.Source, message, cancellationToken);
        return SsoUserResult.Fail(failure, message);
    }

    private static string Quote(string? value) => value is null ? "" : value.Length > 200 ? value[..200] + "..." : value;
}
