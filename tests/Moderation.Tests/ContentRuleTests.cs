using Live.Moderation.Pipeline;

namespace Live.Moderation.Tests;

public sealed class ContentRuleTests(ModerationFixture fixture) : IClassFixture<ModerationFixture>
{
    private readonly ModerationNode node = fixture.Node;

    [Fact]
    public async Task A_hundred_characters_pass_and_a_hundred_and_one_do_not()
    {
        Assert.True((await Send(new string('a', 100))).IsAccepted);
        var refused = await Send(new string('a', 101));
        Assert.Equal(ModerationReason.TooLong, refused.Reason);
        Assert.Equal("too_long", refused.ReasonCode);
        Assert.Null(refused.RetryAfter);
    }

    [Fact]
    public async Task Length_counts_an_emoji_once()
    {
        var hundredEmoji = string.Concat(Enumerable.Repeat("😀", 100));
        Assert.Equal(200, hundredEmoji.Length);
        Assert.True((await Send(hundredEmoji)).IsAccepted);
        Assert.Equal(ModerationReason.TooLong, (await Send(hundredEmoji + "😀")).Reason);
    }

    [Theory]
    [InlineData("bell\u0007")]
    [InlineData("line\nbreak")]
    [InlineData("\u202Eesrever")]
    [InlineData("iso\u2066late")]
    public async Task Control_characters_are_refused(string text) =>
        Assert.Equal(ModerationReason.ControlCharacter, (await Send(text)).Reason);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u3000")]
    public async Task Blank_messages_are_refused(string text) =>
        Assert.Equal(ModerationReason.Empty, (await Send(text)).Reason);

    [Theory]
    [InlineData("#FFFFFF", true)]
    [InlineData("#fe0302", true)]
    [InlineData(null, true)]
    [InlineData("#123456", false)]
    [InlineData("red", false)]
    public async Task Only_listed_colours_are_allowed(string? color, bool allowed)
    {
        var verdict = await Send("colourful", color);
        Assert.Equal(allowed ? ModerationReason.None : ModerationReason.ColorNotAllowed, verdict.Reason);
    }

    private ValueTask<ModerationVerdict> Send(string text, string? color = null) => node.SendAsync(Ids.User(), Ids.Room(), text, color: color);
}

public sealed class ConfiguredContentRuleTests(ConfiguredContentRuleTests.Fixture fixture) : IClassFixture<ConfiguredContentRuleTests.Fixture>
{
    public sealed class Fixture : ModerationFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Moderation:MaxLength"] = "10",
            ["Moderation:AllowedColors:0"] = "#123456",
            ["Moderation:RejectControlCharacters"] = "false",
        };
    }

    [Fact]
    public async Task Limits_follow_configuration()
    {
        var node = fixture.Node;
        Assert.True((await node.SendAsync(Ids.User(), Ids.Room(), "0123456789", color: "#123456")).IsAccepted);
        Assert.Equal(ModerationReason.TooLong, (await node.SendAsync(Ids.User(), Ids.Room(), "0123456789A")).Reason);
        Assert.True((await node.SendAsync(Ids.User(), Ids.Room(), "tab\there")).IsAccepted);
    }
}
