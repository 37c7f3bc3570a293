using System.Text;
using Live.Moderation.Words;

namespace Live.Moderation.Benchmarks;

/// <summary>
/// Deterministic stand-ins for a live room's chat and a large word list. Messages are built from the
/// phrases, emoji, numbers and short English of real danmaku, 2–60 chars; about 1 in 50 carries a
/// listed word (some disguised with full-width letters or separators), as in a moderated room.
/// </summary>
public static class DanmakuCorpus
{
    public const int MessageCount = 1_000;
    public const int WordCount = 10_000;

    private static readonly string[] Phrases =
    [
        "哈哈哈哈哈", "666", "主播好厉害", "前方高能", "awsl", "这波操作可以", "妙啊", "下次一定", "爷青回", "泪目",
        "太强了", "来了来了", "打卡", "第一", "好听", "关注了", "弹幕护体", "名场面", "笑死我了", "？？？",
        "gg", "lol", "nice play", "wow", "GG WP", "let's go", "clip it", "so good", "first time here", "hello from Berlin",
        "2333", "8888", "1111", "999", "😂😂😂", "👍", "❤️❤️", "🔥🔥🔥", "😭", "🎉",
        "主播今天状态不错啊", "这个地方我卡了好久", "求BGM", "这是什么游戏", "晚上好", "刚来，发生了什么", "up主加油", "好家伙", "绝了", "稳住别浪",
    ];

    /// <summary>10,000 words: mostly 2–4 CJK characters, some Latin; one in ten masks, the rest block.</summary>
    public static List<ListedWord> Words()
    {
        var random = new Random(20261122);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (words.Count < WordCount)
        {
            words.Add(random.Next(5) == 0 ? RandomLatin(random, random.Next(4, 9)) : RandomCjk(random, random.Next(2, 5)));
        }

        var i = 0;
        return [.. words.Select(w => new ListedWord(w, i++ % 10 == 0 ? WordAction.Mask : WordAction.Block))];
    }

    public static string[] Messages(IReadOnlyList<ListedWord> words)
    {
        var random = new Random(7);
        var messages = new string[MessageCount];
        var builder = new StringBuilder();
        for (var m = 0; m < messages.Length; m++)
        {
            builder.Clear();
            var target = random.Next(2, 61);
            while (builder.Length < target)
            {
                builder.Append(Phrases[random.Next(Phrases.Length)]);
                if (random.Next(4) == 0)
                {
                    builder.Append(' ');
                }
            }

            if (builder.Length > 60)
            {
                builder.Length = 60;
            }

            if (random.Next(50) == 0)
            {
                var word = words[random.Next(words.Count)].Word;
                builder.Insert(random.Next(builder.Length + 1), random.Next(2) == 0 ? Disguise(word) : word);
            }

            messages[m] = builder.ToString();
        }

        return messages;
    }

    public static int Utf8Bytes(string[] messages) => messages.Sum(Encoding.UTF8.GetByteCount);

    private static string Disguise(string word) =>
        string.Join("\u200B", word.Select(c => c is >= 'a' and <= 'z' ? (char)(c - 'a' + 'Ａ') : c));

    private static string RandomCjk(Random random, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => (char)random.Next(0x4E00, 0x9FA6))]);

    private static string RandomLatin(Random random, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => (char)random.Next('a', 'z' + 1))]);
}
