namespace IdentityBridge.EndToEnd.Tests.Browser;

/// <summary>What a failing browser test leaves behind: a full-page screenshot and the page's HTML under its name.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class BrowserFixtureTests(BrowserFixture browser)
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task snapshot_saves_a_png_screenshot_and_the_html_of_the_page_under_the_test_name()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SetContentAsync("<html><body><h1>Sign in to your account</h1><p style=\"height:3000px\">tall page</p></body></html>");

        var (screenshot, html) = await browser.SaveSnapshotAsync(page, "Snapshot test: a/b");
        try
        {
            Assert.Equal(Path.Combine(browser.ScreenshotDirectory, "Snapshot_test__a_b.png"), screenshot);
            var png = await File.ReadAllBytesAsync(screenshot);
            Assert.Equal(PngSignature, png[..8]);
            // A full-page shot is as tall as the page, not the 720-pixel viewport (PNG height: bytes 20-23 of IHDR).
            var height = (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23];
            Assert.True(height > 3000, $"Expected the whole page (over 3000 pixels tall), got {height} pixels.");
            Assert.Contains("Sign in to your account", await File.ReadAllTextAsync(html));
        }
        finally
        {
            File.Delete(screenshot);
            File.Delete(html);
        }
    }
}
