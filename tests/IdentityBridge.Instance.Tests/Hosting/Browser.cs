using IdentityBridge.Testing.Web;

namespace IdentityBridge.Instance.Tests.Hosting;

/// <summary>A web browser's view of the instance (<see cref="CookieBrowser"/>), with its local login form.</summary>
public sealed class Browser(string baseUrl) : CookieBrowser(baseUrl)
{
    /// <summary>Opens the login form and posts it with the user name and password.</summary>
    public async Task<BrowserPage> LogInAsync(string userName, string password, string? goTo = null)
    {
        var form = await GetAsync("/login.do?sysparm_local=true");
        var fields = new Dictionary<string, string>
        {
            ["sysparm_ck"] = form.HiddenField("sysparm_ck")!,
            ["user_name"] = userName,
            ["user_password"] = password,
        };
        if (goTo is not null) fields["sysparm_goto_url"] = goTo;
        return await PostFormAsync("/login.do", fields);
    }
}
