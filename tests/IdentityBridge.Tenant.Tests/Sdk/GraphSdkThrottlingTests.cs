namespace IdentityBridge.Tenant.Tests.Sdk;

/// <summary>
/// Graph's throttling as the SDK handles it: the tenant answers 429 with Retry-After, and the SDK's retry handler
/// waits that long and tries again, so its caller only sees the answers.
/// </summary>
public sealed class GraphSdkThrottlingTests(ThrottledSdkTenant tenant) : IClassFixture<ThrottledSdkTenant>
{
    [Fact]
    public async Task the_sdk_waits_out_a_429_with_retry_after_and_succeeds()
    {
        var statuses = new List<HttpStatusCode>();
        var client = await tenant.ObservedClientAsync("Throttled reader", statuses, "User.Read.All");
        for (var i = 0; i < 6; i++)
        {
            var page = await client.Users.GetAsync(r => r.QueryParameters.Top = 1);
            Assert.NotNull(page?.Value);
        }
        // A fourth request within the window was refused, waited out and retried; the caller saw only answers.
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.OK));
    }
}
