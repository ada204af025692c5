using System.Collections.Concurrent;
using IdentityBridge.Tenant.Hosting;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// Graph's throttling: each application gets <see cref="TenantOptions.RequestBudget"/> requests per window, then 429
/// with Retry-After until the window ends. Counts are kept per node, as Graph's own limits are per service unit.
/// </summary>
internal sealed class GraphRateLimiter(TenantOptions options)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;
        public int Count;
    }

    /// <summary>Null when the request may proceed, otherwise how long the caller must wait.</summary>
    public TimeSpan? Take(string appId)
    {
        if (options.RequestBudget is not { } budget) return null;
        var now = options.Time.GetUtcNow();
        var window = _windows.AddOrUpdate(appId, _ => new Window(now),
            (_, current) => now - current.Start >= options.RequestBudgetWindow ? new Window(now) : current);
        if (Interlocked.Increment(ref window.Count) <= budget) return null;
        var wait = window.Start + options.RequestBudgetWindow - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
    }
}
