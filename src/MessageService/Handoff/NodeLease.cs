using Confluent.Kafka;
using Live.MessageService.Ingest;
using Live.MessageService.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.MessageService.Handoff;

/// <summary>
/// Keeps this node known as alive (a heartbeat key with a TTL), writes its Kafka delivery marks, and looks for
/// nodes whose heartbeat expired: their records that Kafka never acknowledged are handed over by
/// <see cref="OrphanedRecordRecovery"/> (ADR 0014). A Redis outage only delays all of this.
/// </summary>
public sealed class NodeLease(
    IConnectionMultiplexer redis,
    NodeIdentity node,
    KafkaDeliveryMarks marks,
    KafkaMessageSink sink,
    OrphanedRecordRecovery recovery,
    IOptions<MessageOptions> options,
    ILogger<NodeLease> logger) : BackgroundService
{
    private static readonly TimeSpan LeaveWait = TimeSpan.FromSeconds(2);

    private readonly TimeSpan ttl = TimeSpan.FromMilliseconds(options.Value.NodeTtlMs);

    /// <summary>Past the rooms' history TTL there is nothing left to recover from.</summary>
    private readonly TimeSpan keep = TimeSpan.FromMinutes(options.Value.HistoryTtlMinutes);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tick = ttl / 10;
        var sinceScan = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var db = redis.GetDatabase();
                if (!await db.StringSetAsync(NodeKeys.Heartbeat(node.Id), 1, ttl, When.Exists))
                {
                    // First beat, or the heartbeat lapsed and this node's keys may have been recovered away.
                    marks.ForgetRegistrations();
                    await db.StringSetAsync(NodeKeys.Heartbeat(node.Id), 1, ttl);
                }

                await db.SetAddAsync(node.Registry, node.Value);
                await marks.WriteChangedAsync(keep);
                sinceScan += tick;
                if (sinceScan >= ttl / 5)
                {
                    sinceScan = TimeSpan.Zero;
                    await RecoverDeadNodesAsync(db, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is RedisException or RedisCommandException or TimeoutException)
            {
                // RedisCommandException: right after a Redis Cluster failover the client's slot map can still name a
                // node that is now a replica, and it refuses the write itself; the map refreshes within seconds.
                Log.NodeLeaseUnavailable(logger, ex.Message);
            }

            try
            {
                await Task.Delay(tick, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Leaving cleanly: once Kafka has acknowledged every record of this node, nothing is left for others to
    /// recover, so its keys go. With records still pending they stay, and another node hands those over.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var deadline = DateTime.UtcNow + LeaveWait;
        while (sink.Pending > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        if (sink.Pending > 0)
        {
            return;
        }

        try
        {
            var db = redis.GetDatabase();
            await db.KeyDeleteAsync([NodeKeys.Heartbeat(node.Id), NodeKeys.Rooms(node.Id), NodeKeys.Marks(node.Id)]);
            await db.SetRemoveAsync(node.Registry, node.Value);
        }
        catch (Exception ex) when (ex is RedisException or RedisCommandException or TimeoutException)
        {
            Log.NodeLeaseUnavailable(logger, ex.Message);
        }
    }

    private async Task RecoverDeadNodesAsync(IDatabase db, CancellationToken stoppingToken)
    {
        foreach (var member in await db.SetMembersAsync(node.Registry))
        {
            var other = member.ToString();
            if (other == node.Id || await db.KeyExistsAsync(NodeKeys.Heartbeat(other)))
            {
                continue;
            }

            if (!await db.KeyExistsAsync(NodeKeys.Rooms(other)))
            {
                // It sequenced nothing, or its keys outlived the history they pointed into.
                await db.SetRemoveAsync(node.Registry, member);
                continue;
            }

            // One node recovers; the claim outlives a slow recovery but not a recoverer that died too.
            if (!await db.StringSetAsync(NodeKeys.Recovery(other), node.Value, TimeSpan.FromMinutes(2), When.NotExists))
            {
                continue;
            }

            try
            {
                await recovery.RecoverAsync(other, stoppingToken);
            }
            catch (Exception ex) when (ex is KafkaException or TimeoutException or RedisException)
            {
                // Released, so the next scan (by any node) tries again; what was handed over is in the topic and read back then.
                Log.NodeRecoveryFailed(logger, other, ex.Message);
                await db.KeyDeleteAsync(NodeKeys.Recovery(other));
            }
        }
    }
}
