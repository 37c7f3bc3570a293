using Live.Moderation.Text;

namespace Live.Moderation.Unit.Tests;

public sealed class TextNormalizerTests
{
    private readonly TextNormalizer normalizer = new(new ModerationOptions().Separators);

    [Theory]
    [InlineData("HeLLo", "hello")]
    [InlineData("ＦＵＣＫ", "fuck")]
    [InlineData("ｆｕｃｋ！", "fuck!")]
    [InlineData("f\u200Bu\u200Cc\u200Dk", "fuck")]
    [InlineData("f\u2060u\uFEFFc\u00ADk", "fuck")]
    [InlineData("f.u.c.k", "fuck")]
    [InlineData("f - u _ c * k", "fuck")]
    [InlineData("傻　逼", "傻逼")]
    [InlineData("傻 * 逼", "傻逼")]
    [InlineData("ＡＢＣ１２３", "abc123")]
    public void Folds_and_drops_what_hides_a_word(string input, string expected) =>
        Assert.Equal(expected, normalizer.Normalize(input));

    [Theory]
    [InlineData(" leading and trailing ", " leadingandtrailing ")]
    [InlineData("wow!! ...", "wow!! ...")]
    [InlineData("1.5 - 2", "152")]
    [InlineData("...", "...")]
    public void Separators_go_only_between_letters_or_digits(string input, string expected) =>
        Assert.Equal(expected, normalizer.Normalize(input));

    [Fact]
    public void Every_output_char_maps_back_to_the_char_it_came_from()
    {
        const string input = "Ａ\u200Bb. c";
        var output = new char[input.Length];
        var sourceIndex = new int[input.Length];

        var length = normalizer.Normalize(input, output, sourceIndex);

        Assert.Equal("abc", new string(output, 0, length));
        Assert.Equal([0, 2, 5], sourceIndex[..length]);
    }

    [Fact]
    public void Separators_are_configurable()
    {
        var onlyDots = new TextNormalizer(".");
        Assert.Equal("ab", onlyDots.Normalize("a.b"));
        Assert.Equal("a b", onlyDots.Normalize("a b"));
    }
}
