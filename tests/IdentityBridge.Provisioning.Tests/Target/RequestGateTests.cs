using IdentityBridge.Provisioning.Target;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Provisioning.Tests.Target;

/// <summary>The gate's arithmetic on a pinned clock: AIMD concurrency, the shared pause and the rate cap.</summary>
public sealed class RequestGateTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly TargetStatistics _statistics = new();

    [Fact]
    public async Task concurrency_starts_at_four_grows_after_a_run_of_successes_and_halves_on_congestion()
    {
        var gate = new RequestGate(maxConcurrency: 6, maxRequestsPerSecond: null, _clock, _statistics);
        Assert.Equal(4, gate.Limit);

        for (var i = 0; i < 4; i++)
            using (var lease = await gate.EnterAsync(default)) lease.Succeeded();
        Assert.Equal(5, gate.Limit);
        for (var i = 0; i < 20; i++)
            using (var lease = await gate.EnterAsync(default)) lease.Succeeded();
        Assert.Equal(6, gate.Limit);

        using (var lease = await gate.EnterAsync(default)) lease.Congested();
        Assert.Equal(3, gate.Limit);
        Assert.Equal(3, _statistics.CurrentConcurrency);
    }

    [Fact]
    public async Task requests_in_flight_together_halve_the_window_once_for_one_congestion()
    {
        var gate = new RequestGate(maxConcurrency: 8, maxRequestsPerSecond: null, _clock, _statistics);
        var leases = new List<RequestGate.Lease>();
        for (var i = 0; i < 4; i++) leases.Add(await gate.EnterAsync(default));

        foreach (var lease in leases) lease.Congested();
        leases.ForEach(l => l.Dispose());

        Assert.Equal(2, gate.Limit);
    }

    [Fact]
    public async Task a_request_beyond_the_window_waits_for_a_slot()
    {
        var gate = new RequestGate(maxConcurrency: 1, maxRequestsPerSecond: null, _clock, _statistics);
        var first = await gate.EnterAsync(default);

        var second = gate.EnterAsync(default);
        Assert.False(second.IsCompleted);
        first.Dispose();

        (await second).Dispose();
    }

    [Fact]
    public async Task a_pause_holds_every_request_until_it_ends()
    {
        var gate = new RequestGate(maxConcurrency: 4, maxRequestsPerSecond: null, _clock, _statistics);
        gate.Pause(TimeSpan.FromSeconds(30));

        var waiting = gate.EnterAsync(default);
        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(waiting.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1));

        (await waiting).Dispose();
    }

    [Fact]
    public async Task the_rate_cap_spaces_request_starts_evenly()
    {
        var gate = new RequestGate(maxConcurrency: 8, maxRequestsPerSecond: 2, _clock, _statistics);

        var first = gate.EnterAsync(default);
        var second = gate.EnterAsync(default);
        var third = gate.EnterAsync(default);
        Assert.True(first.IsCompleted);
        Assert.False(second.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        (await second).Dispose();
        Assert.False(third.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        (await third).Dispose();
        (await first).Dispose();
    }

    [Fact]
    public async Task a_cancelled_wait_gives_its_place_back()
    {
        var gate = new RequestGate(maxConcurrency: 1, maxRequestsPerSecond: null, _clock, _statistics);
        var first = await gate.EnterAsync(default);
        using var cancellation = new CancellationTokenSource();

        var cancelled = gate.EnterAsync(cancellation.Token);
        var next = gate.EnterAsync(default);
        cancellation.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        first.Dispose();

        (await next).Dispose();
    }
}
