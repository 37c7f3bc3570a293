using System.Reflection;
using Live.MessageService.Ingest;
using Live.Moderation.Limits;
using Live.RoomService.Rooms;
using Live.Redis;
using Live.StatsService.Ingest;
using Live.Testing;
using StackExchange.Redis;

namespace Live.Realtime.Tests;

/// <summary>The Redis scripts are .lua files embedded in the projects that run them; the real Redis compiles each.</summary>
public sealed class EmbeddedScriptTests
{
    private static readonly Assembly[] ProjectsWithScripts =
    [
        typeof(RedisAdmission).Assembly,
        typeof(MessageSequencer).Assembly,
        typeof(RoomCache).Assembly,
        typeof(RedisEffectWriter).Assembly,
    ];

    public static TheoryData<string, string> Scripts()
    {
        var scripts = new TheoryData<string, string>();
        foreach (var assembly in ProjectsWithScripts)
        {
            foreach (var name in EmbeddedLuaScript.Names(assembly))
            {
                scripts.Add(assembly.GetName().Name!, name);
            }
        }

        return scripts;
    }

    [Fact]
    public void Every_project_that_runs_scripts_embeds_them()
    {
        foreach (var assembly in ProjectsWithScripts)
        {
            Assert.NotEmpty(EmbeddedLuaScript.Names(assembly));
        }
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task An_embedded_script_loads_into_redis(string assemblyName, string resourceName)
    {
        var script = EmbeddedLuaScript.Read(Assembly.Load(assemblyName), resourceName);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis + ",allowAdmin=true");
        var server = redis.GetServers()[0];

        // SCRIPT LOAD compiles the script without running it: a syntax error fails here, not on first use.
        var sha = await server.ScriptLoadAsync(script);

        Assert.Equal(20, sha.Length);
        Assert.True(await server.ScriptExistsAsync(sha));
    }
}
