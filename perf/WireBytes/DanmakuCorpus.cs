using System.Text;

namespace Live.Perf.WireBytes;

/// <summary>
/// Danmaku as a busy room sends them (repeated cheers, short Chinese phrases, numbers, some English, emoji, now
/// and then a sentence), from a few thousand viewers with their own names and mostly white text. Seeded, so two
/// runs publish the same stream. Content this repetitive is what compression meets in a real room; a uniform
/// filler would flatter it, random bytes would not be chat.
/// </summary>
public sealed class DanmakuCorpus(int seed)
{
    private static readonly string[] Phrases =
    [
        "主播好厉害", "前方高能", "这个操作太秀了", "来了来了", "好听", "笑死我了", "爷青回", "awsl", "泪目", "针不戳",
        "第一次来，关注了", "主播晚上好", "这波不亏", "太强了吧", "好家伙", "下次一定", "弹幕护体", "名场面", "有人吗", "我来晚了",
        "点歌点歌", "支持主播", "打卡", "这是什么神仙操作", "我直接好家伙", "梦幻联动", "路过", "求BGM", "声音好好听", "今天播多久",
    ];

    private static readonly string[] Cheers = ["哈", "6", "草", "啊"];

    private static readonly string[] English =
    [
        "lol", "gg", "nice one", "first time here, love it", "hi from Berlin", "that was insane", "what song is this?", "lets gooo",
        "ez", "clip it", "W streamer", "no way", "hello chat",
    ];

    private static readonly string[] Emoji = ["😂", "👍", "🔥", "❤️", "🎉", "😭", "👏", "🤣", "💯", "😍"];

    private static readonly string[] Sentences =
    [
        "刚才那一段真的太精彩了，主播能不能再来一次，我录屏了",
        "从上周开始每天都来看，主播的技术越来越好了，继续加油",
        "有没有人知道这首歌叫什么名字，好好听啊求歌名",
        "I have been watching since the start and this is the best stream so far",
    ];

    private static readonly string[] Colors = ["#FE0302", "#FF7204", "#FFAA02", "#FFD302", "#00CD00", "#019899", "#4266BE", "#89D5FF", "#CC0273"];

    private readonly Random random = new(seed);
    private readonly StringBuilder builder = new();
    private long contentBytes;
    private long count;

    public double MeanContentBytes => count == 0 ? 0 : (double)contentBytes / count;

    public (long UserId, string Name, string Content, string Color) Next()
    {
        var userId = 100_000 + random.Next(5_000);
        var name = userId % 3 == 0 ? $"观众{userId % 10_000}" : userId % 3 == 1 ? $"night_owl_{userId % 1000}" : $"小{Phrases[userId % Phrases.Length][..1]}同学";
        var content = NextContent();
        var color = random.Next(10) < 8 ? "#FFFFFF" : Colors[random.Next(Colors.Length)];
        contentBytes += Encoding.UTF8.GetByteCount(content);
        count++;
        return (userId, name, content, color);
    }

    private string NextContent()
    {
        var roll = random.Next(100);
        if (roll < 40)
        {
            return Phrases[random.Next(Phrases.Length)];
        }

        builder.Clear();
        if (roll < 60)
        {
            builder.Insert(0, Cheers[random.Next(Cheers.Length)], 2 + random.Next(8));
        }
        else if (roll < 80)
        {
            builder.Append(English[random.Next(English.Length)]);
        }
        else if (roll < 92)
        {
            for (var i = 1 + random.Next(4); i > 0; i--)
            {
                builder.Append(Emoji[random.Next(Emoji.Length)]);
            }
        }
        else
        {
            builder.Append(Sentences[random.Next(Sentences.Length)]);
        }

        return builder.ToString();
    }
}
