using System.Web;
using Microsoft.Playwright;

namespace IdentityBridge.EndToEnd.Tests.Browser;

/// <summary>A SAML message as the browser posted it: the form's target and the fields a service provider reads.</summary>
public sealed record CapturedSamlPost(string Url, string? SamlResponse, string? SamlRequest, string? RelayState);

/// <summary>
/// Reads what an identity provider's auto-submitting form made the browser post, so that the very bytes a service
/// provider received can also be handed to the independent service providers (IndependentServiceProviders).
/// </summary>
public static class SamlPosts
{
    /// <summary>
    /// Runs <paramref name="action"/> (a click on a tile, a form submit, a navigation) and answers the first form
    /// post the page then sends to a URL starting with <paramref name="target"/> (an ACS URL). The post itself goes
    /// on to its target as usual.
    /// </summary>
    public static async Task<CapturedSamlPost> CaptureSamlPostAsync(this IPage page, string target, Func<Task> action)
    {
        var request = await page.RunAndWaitForRequestAsync(action,
            r => r.Method == "POST" && r.Url.StartsWith(target, StringComparison.Ordinal));
        var fields = HttpUtility.ParseQueryString(request.PostData ?? "");
        return new CapturedSamlPost(request.Url, fields["SAMLResponse"], fields["SAMLRequest"], fields["RelayState"]);
    }
}
