namespace IdentityBridge.Storage.Maintenance;

/// <summary>
/// Runs a store's clean-up (expired tokens, users past their retention) now and then for as long as a host runs. A
/// failed run is left to the next tick: what it would remove is refused or hidden whether removed or not.
/// </summary>
public static class PeriodicMaintenance
{
    public static async Task RunAsync(TimeSpan period, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await work(cancellationToken);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // The next tick tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
