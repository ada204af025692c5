using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace IdentityBridge.Instance.Hosting;

/// <summary>
/// The instance's public base URL: what identity providers post to and what its entity id defaults to. It is
/// <see cref="InstanceOptions.PublicBaseUrl"/>, or else the first address the server listens on (a wildcard host
/// read as <c>localhost</c>), never the Host header of a request, which a client chooses.
/// </summary>
public sealed class InstanceUrls(InstanceOptions options, IServer server)
{
    private string? _derived;

    public string PublicBaseUrl => options.PublicBaseUrl is { Length: > 0 } configured
        ? configured.TrimEnd('/')
        : _derived ??= Derive();

    /// <summary>The ACS URLs of spec/servicenow.md 5.4: navpage.do (index 0) and consumer.do (index 1).</summary>
    public IReadOnlyList<string> AssertionConsumerServiceUrls => [PublicBaseUrl + "/navpage.do", PublicBaseUrl + "/consumer.do"];

    private string Derive()
    {
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        var first = bound ?? options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                    ?? "http://localhost";
        return Normalise(first);
    }

    internal static string Normalise(string url)
    {
        // Kestrel's wildcards are not host names a browser or an identity provider can reach.
        foreach (var wildcard in new[] { "://+", "://*", "://0.0.0.0", "://[::]" })
            if (url.Contains(wildcard, StringComparison.Ordinal)) url = url.Replace(wildcard, "://localhost", StringComparison.Ordinal);
        return url.TrimEnd('/');
    }
}
