namespace Live.Operations.Tests;

/// <summary>Prometheus's alerts page (Debian's build serves the classic UI) as a PNG, taken with headless Chromium.</summary>
public static class AlertsPageScreenshot
{
    public static async Task SaveAsync(Uri prometheus, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var profile = Directory.CreateTempSubdirectory("live-chromium-").FullName;
        try
        {
            var (exitCode, output) = await ExternalTools.RunAsync(ExternalTools.Chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + profile,
                "--window-size=1280,900", "--virtual-time-budget=3000", "--screenshot=" + path,
                new Uri(prometheus, "/classic/alerts").ToString(),
            ], TimeSpan.FromSeconds(60));
            Assert.True(exitCode == 0 && File.Exists(path) && new FileInfo(path).Length > 10_000, $"chromium did not save the screenshot: {output}");
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
