using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Live.Moderation.Benchmarks;

/// <summary>MB/s of UTF-8 chat text and messages/s, from the mean time per message (OperationsPerInvoke = one message).</summary>
public sealed class ThroughputColumn(bool megabytes) : IColumn
{
    private static readonly double BytesPerMessage = MessageBytes();

    public string Id => megabytes ? "MBps" : "MsgPerSec";
    public string ColumnName => megabytes ? "MB/s" : "msg/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => megabytes ? 0 : 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => megabytes ? "UTF-8 megabytes (10^6) of chat text per second" : "Messages per second on one core";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var nanosecondsPerMessage = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (nanosecondsPerMessage is not > 0 || benchmarkCase.Descriptor.Categories.Contains("build"))
        {
            return "-";
        }

        var perSecond = 1e9 / nanosecondsPerMessage.Value;
        return megabytes
            ? (perSecond * BytesPerMessage / 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)
            : perSecond.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    private static double MessageBytes()
    {
        var messages = DanmakuCorpus.Messages(DanmakuCorpus.Words());
        return (double)DanmakuCorpus.Utf8Bytes(messages) / messages.Length;
    }
}
