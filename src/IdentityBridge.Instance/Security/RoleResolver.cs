using System.Collections.Concurrent;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;

namespace IdentityBridge.Instance.Security;

/// <summary>
/// A user's effective roles: the roles granted to the user directly (sys_user_has_role) and the roles of the
/// active groups the user belongs to (sys_user_group.roles). Cached briefly; writes that change roles clear it.
/// </summary>
public sealed class RoleResolver(Store store, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (IReadOnlySet<string> Roles, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public async Task<IReadOnlySet<string>> RolesOfAsync(string userSysId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(userSysId, out var cached) && cached.Expires > now) return cached.Roles;

        var roles = new HashSet<string>(StringComparer.Ordinal);
        var direct = await store.QueryAsync(new RecordQuery
        {
            Table = store.Tables.Find(InstanceTables.UserRole)!,
            Query = EncodedQuery.Where("user", userSysId).And(new QueryCondition("state", QueryOperator.Equals, "active")),
            Fields = ["role.name"],
        }, cancellationToken);
        foreach (var row in direct.Rows)
            if (row["role.name"] is { Length: > 0 } name) roles.Add(name);

        var groups = await store.QueryAsync(new RecordQuery
        {
            Table = store.Tables.Find(InstanceTables.GroupMember)!,
            Query = EncodedQuery.Where("user", userSysId).And(new QueryCondition("group.active", QueryOperator.Equals, "true")),
            Fields = ["group.roles"],
        }, cancellationToken);
        foreach (var row in groups.Rows)
            foreach (var name in SplitRoles(row["group.roles"]))
                roles.Add(name);

        _cache[userSysId] = (roles, now + Lifetime);
        return roles;
    }

    public static IEnumerable<string> SplitRoles(string? roles) =>
        (roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Forget(string userSysId) => _cache.TryRemove(userSysId, out _);

    public void ForgetAll() => _cache.Clear();
}
