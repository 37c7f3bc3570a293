namespace Live.Operations.Tests;

/// <summary>
/// deploy/check/check.sh in the test run, so a manifest, rule or dashboard that drifts fails CI. Its npm tools
/// are kept in .local/deploy-check between runs (installed once; later runs work offline).
/// </summary>
public sealed class DeployCheckTests
{
    [Fact]
    public async Task TheDeployCheckPasses()
    {
        var promtoolDirectory = Path.GetDirectoryName(ExternalTools.Promtool)!;
        var (exitCode, output) = await ExternalTools.RunAsync("bash", [ExternalTools.RepoPath("deploy", "check", "check.sh")], TimeSpan.FromMinutes(8),
            environment: new Dictionary<string, string>
            {
                ["DEPLOY_CHECK_WORK"] = ExternalTools.RepoPath(".local", "deploy-check"),
                ["PATH"] = promtoolDirectory + ":" + Environment.GetEnvironmentVariable("PATH"),
            });
        Assert.True(exitCode == 0, output);
        Assert.Contains("deploy check passed", output, StringComparison.Ordinal);
    }
}
