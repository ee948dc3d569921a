using Akka.Configuration;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Tests;

public sealed class ClusterRolesAndDowningTests
{
    [Theory]
    [InlineData(new string[0], new[] { "api", "shards" }, true)]
    [InlineData(new[] { "api" }, new[] { "api" }, false)]
    [InlineData(new[] { "shards" }, new[] { "shards" }, true)]
    [InlineData(new[] { "api", "shards" }, new[] { "api", "shards" }, true)]
    [InlineData(new[] { "eu-west" }, new[] { "eu-west", "api", "shards" }, true)]
    public void A_node_without_an_api_or_shards_role_has_both_and_only_shards_hosts(string[] configured, string[] effective, bool hosts)
    {
        var cluster = new ClusterOptions { Roles = configured };

        Assert.Equal(effective, cluster.EffectiveRoles());
        Assert.Equal(hosts, cluster.HostsShards);
        var config = ConfigurationFactory.ParseString(ClusterRolesAndDowning.Hocon(cluster));
        Assert.Equal(effective, config.GetStringList("akka.cluster.roles"));
    }

    [Fact]
    public void The_downing_settings_become_the_failure_detector_resolver_and_removal_margin_akka_reads()
    {
        var cluster = new ClusterOptions
        {
            FailureDetectorPause = TimeSpan.FromSeconds(4),
            DowningStableAfter = TimeSpan.FromSeconds(7),
            DownRemovalMargin = TimeSpan.FromMilliseconds(1500),
        };

        var config = ConfigurationFactory.ParseString(ClusterRolesAndDowning.Hocon(cluster));

        Assert.Equal(TimeSpan.FromSeconds(4), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.Equal(TimeSpan.FromSeconds(7), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromSeconds(21), config.GetTimeSpan("akka.cluster.split-brain-resolver.down-all-when-unstable"));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), config.GetTimeSpan("akka.cluster.down-removal-margin"));
    }
}
