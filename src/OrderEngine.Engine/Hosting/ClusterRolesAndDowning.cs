using System.Globalization;
using Akka.Hosting;

namespace OrderEngine.Engine.Hosting;

/// <summary>
/// A node's roles (api, shards) and the timing of downing a lost node: how soon it counts as unreachable, when the
/// split-brain resolver downs it, and when its shards and singletons start on the survivors (docs/cluster.md).
/// </summary>
public static class ClusterRolesAndDowning
{
    /// <summary>Joins with <see cref="ClusterOptions.EffectiveRoles"/> and sets the failure detector and downing timings.</summary>
    public static AkkaConfigurationBuilder WithOrderEngineRolesAndDowning(this AkkaConfigurationBuilder builder, ClusterOptions cluster)
    {
        builder.AddHocon(Hocon(cluster), HoconAddMode.Prepend);
        return builder;
    }

    /// <summary>The HOCON behind <see cref="WithOrderEngineRolesAndDowning"/> (public so a test can read what a setting becomes).</summary>
    public static string Hocon(ClusterOptions cluster)
    {
        var roles = string.Join(", ", cluster.EffectiveRoles().Select(r => "\"" + r.Replace("\"", "", StringComparison.Ordinal) + "\""));
        // Where the time between a kill -9 and its shards serving again goes, with Akka's defaults (about a minute) and here:
        // 1. failure detection: heartbeats every 1 s; unreachable after the acceptable pause (3 s) plus the phi margin;
        // 2. the split-brain resolver decides after stable-after without membership changes (20 s; here 5 s);
        // 3. the leader removes the downed node (a gossip round or two);
        // 4. the shard coordinator and the singletons wait down-removal-margin before they treat the removed node's
        //    shards and singletons as gone (off = stable-after with the resolver, 20 s; here 2 s): the time the other side
        //    of a real partition has to stop its own (the journal's unique (persistence_id, sequence_number) key refuses a
        //    second writer of an entity in any case);
        // 5. the coordinator singleton, when it was on the lost node, starts on the next oldest and reads its state
        //    (DData, majority of the survivors); regions register again (retry-interval, 2 s; here 1 s);
        // 6. the next message for a shard allocates it on a survivor and the entity recovers from the journal (milliseconds).
        return $$"""
            akka.cluster.roles = [{{roles}}]
            akka.cluster.failure-detector.heartbeat-interval = 1s
            akka.cluster.failure-detector.acceptable-heartbeat-pause = {{Ms(cluster.FailureDetectorPause)}}
            akka.cluster.split-brain-resolver.stable-after = {{Ms(cluster.DowningStableAfter)}}
            akka.cluster.split-brain-resolver.down-all-when-unstable = {{Ms(cluster.DowningStableAfter * 3)}}
            akka.cluster.down-removal-margin = {{Ms(cluster.DownRemovalMargin)}}
            akka.cluster.sharding.retry-interval = 1s
            akka.cluster.singleton.hand-over-retry-interval = 1s
            """;
    }

    private static string Ms(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
}
