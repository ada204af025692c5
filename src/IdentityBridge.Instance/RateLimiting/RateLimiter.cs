using System.Collections.Concurrent;
using System.Globalization;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;

namespace IdentityBridge.Instance.RateLimiting;

/// <summary>The rule that applies to a request, and whether the caller's hourly budget is spent.</summary>
public sealed record RateDecision(string RuleSysId, int Limit, long ResetUnixSeconds, int RetryAfterSeconds, bool Exceeded);

/// <summary>
/// Inbound REST rate limits per hour (sys_rate_limit_rules), with ServiceNow's precedence: a rule for the single
/// user beats rules for the user's roles (the lowest of which wins), which beat a rule for all users. Role rules
/// match the roles a user was given: admin's implied hold of every role does not pull it under every role's rule.
/// </summary>
/// <remarks>Counts are kept per node, per clock hour; ServiceNow also counts per node between its 30-second commits.</remarks>
public sealed class RateLimiter(Store store, TimeProvider time)
{
    private static readonly TimeSpan RulesLifetime = TimeSpan.FromSeconds(30);
    private sealed record Rule(string SysId, string Type, string? User, string? Role, int Max);

    private readonly ConcurrentDictionary<(string Rule, string User), (long Hour, int Count)> _counts = new();
    private volatile IReadOnlyList<Rule>? _rules;
    private DateTimeOffset _rulesExpire;

    public void Reload() => _rules = null;

    public async Task<RateDecision?> CheckAsync(Caller caller, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var rules = _rules;
        if (rules is null || now >= _rulesExpire)
        {
            rules = await LoadAsync(cancellationToken);
            _rules = rules;
            _rulesExpire = now + RulesLifetime;
        }
        if (rules.Count == 0) return null;

        var rule = rules.Where(r => r.Type == "user" && r.User == caller.UserSysId).MinBy(r => r.Max)
                   ?? rules.Where(r => r.Type == "role" && r.Role is not null && caller.Roles.Contains(r.Role)).MinBy(r => r.Max)
                   ?? rules.Where(r => r.Type == "all").MinBy(r => r.Max);
        if (rule is null) return null;

        var hour = now.ToUnixTimeSeconds() / 3600;
        var (_, count) = _counts.AddOrUpdate((rule.SysId, caller.UserSysId), (hour, 1),
            (_, old) => old.Hour == hour ? (hour, old.Count + 1) : (hour, 1));
        var reset = (hour + 1) * 3600;
        return new RateDecision(rule.SysId, rule.Max, reset, (int)Math.Max(1, reset - now.ToUnixTimeSeconds()), count > rule.Max);
    }

    private async Task<IReadOnlyList<Rule>> LoadAsync(CancellationToken cancellationToken)
    {
        var result = await store.QueryAsync(new RecordQuery
        {
            Table = store.Tables.Find(InstanceTables.RateLimitRule)!,
            Query = EncodedQuery.Where("active", "true"),
            Fields = ["type", "user", "role.name", "max_requests"],
        }, cancellationToken);
        return result.Rows
            .Select(r => new Rule(r.SysId, r["type"] ?? "all", r["user"], r["role.name"],
                int.TryParse(r["max_requests"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) ? Math.Max(0, max) : 0))
            .ToList();
    }
}
