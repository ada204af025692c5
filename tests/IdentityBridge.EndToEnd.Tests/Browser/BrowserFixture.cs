using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace IdentityBridge.EndToEnd.Tests.Browser;

/// <summary>
/// One headless chromium for the whole test run, driven by Playwright: Debian's own browser (installed by
/// .ci/install-browser), launched through its executable path so that no Playwright browser download is needed.
/// Each test gets a fresh <see cref="IBrowserContext"/> (its own cookies and storage, like a private window) through
/// <see cref="RunAsync"/>, which keeps a screenshot and the page HTML when the test fails.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium launcher, which also applies the flags of /etc/chromium.d.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private const string InstallHint = "Run 'bash .ci/install-browser' from the repository root as root (it installs Debian's chromium).";

    /// <summary>How long a page action or navigation may take before Playwright gives up; generous on a busy two-core machine.</summary>
    private static readonly TimeSpan ActionTimeout = TimeSpan.FromSeconds(30);

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    /// <summary>Where failing tests leave their screenshot and HTML: TestResults/screenshots at the repository root.</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing. {InstallHint}");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Chromium refuses to run its sandbox as root (CI runs as root); a small /dev/shm in containers
            // crashes tabs unless shared memory goes to /tmp.
            Args = Environment.UserName == "root" ? ["--no-sandbox", "--disable-dev-shm-usage"] : ["--disable-dev-shm-usage"],
            Timeout = (float)TimeSpan.FromSeconds(60).TotalMilliseconds,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>
    /// A fresh browser context (its own cookies, like a private window) that accepts the stack's self-signed HTTPS
    /// certificates. The caller disposes it; <see cref="RunAsync"/> does both for a test. With
    /// <paramref name="javaScriptEnabled"/> false the pages run no script, as for a user who turned it off: what an
    /// auto-submitting page offers them instead can be tested.
    /// </summary>
    public async Task<IBrowserContext> NewContextAsync(bool javaScriptEnabled = true)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = true,
            JavaScriptEnabled = javaScriptEnabled,
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout((float)ActionTimeout.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)ActionTimeout.TotalMilliseconds);
        return context;
    }

    /// <summary>
    /// Runs a test body on a new page of a new context. When the body throws, the page's full-page screenshot and
    /// HTML are saved as TestResults/screenshots/&lt;test name&gt;.png and .html, and the failure is thrown again
    /// with their paths added to its message (xunit 2 has no failure hook, hence this wrapper).
    /// <paramref name="javaScriptEnabled"/> false runs the page without script (see <see cref="NewContextAsync"/>).
    /// </summary>
    public async Task RunAsync(Func<IPage, Task> body, [CallerMemberName] string testName = "", bool javaScriptEnabled = true)
    {
        await using var context = await NewContextAsync(javaScriptEnabled);
        var page = await context.NewPageAsync();
        try
        {
            await body(page);
        }
        catch (Exception failure)
        {
            string saved;
            try
            {
                var (screenshot, html) = await SaveSnapshotAsync(page, testName);
                saved = $"Screenshot: {screenshot}\nPage HTML: {html}\nPage URL: {page.Url}";
            }
            catch (Exception snapshotFailure)
            {
                saved = $"No screenshot could be taken: {snapshotFailure.Message}";
            }
            throw new BrowserTestFailedException($"{failure.Message}\n{saved}", failure);
        }
    }

    /// <summary>Saves a full-page screenshot and the HTML of <paramref name="page"/> under <see cref="ScreenshotDirectory"/>; answers both paths.</summary>
    public async Task<(string Screenshot, string Html)> SaveSnapshotAsync(IPage page, string testName)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var name = FileName(testName);
        var screenshot = Path.Combine(ScreenshotDirectory, name + ".png");
        var html = Path.Combine(ScreenshotDirectory, name + ".html");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        await File.WriteAllTextAsync(html, await page.ContentAsync());
        return (screenshot, html);
    }

    /// <summary>The test name as a file name on any system: letters, digits, '.', '-' and '_' only.</summary>
    internal static string FileName(string testName)
    {
        var name = new string(testName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray()).Trim('.');
        return name.Length == 0 ? "unnamed-test" : name;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "IdentityBridge.slnx")))
                return directory.FullName;
        // Outside a checkout (a copied build): beside the test assembly.
        return AppContext.BaseDirectory;
    }
}

/// <summary>A browser test failed; the message adds where its screenshot and page HTML were saved.</summary>
public sealed class BrowserTestFailedException(string message, Exception inner) : Exception(message, inner);
