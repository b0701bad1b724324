namespace DenseDino.Cli.Tests;

/// <summary>Every command's --help renders (Spectre reads "[...]" in descriptions as markup: brackets must be doubled).</summary>
public sealed class HelpTests
{
    [Theory]
    [InlineData("pretrain")]
    [InlineData("features")]
    [InlineData("knn")]
    [InlineData("segprobe")]
    [InlineData("attention")]
    [InlineData("export")]
    public void HelpRendersForEveryCommand(string command) => Assert.Equal(0, CliFixtures.Run(command, "--help"));
}
