using System.Threading.RateLimiting;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Tests;

/// <summary>
/// What the rate limits rely on to stay bounded under a flood of random keys or addresses: the partitioned limiter drops a
/// partition whose bucket has been full (idle) for a while (10 s in the framework), so a key seen once does not stay.
/// </summary>
public sealed class RateLimitPartitionCleanupTests
{
    [Fact]
    public async Task An_idle_partition_is_dropped_and_made_anew_on_its_next_request()
    {
        var created = new Dictionary<string, int>();
        var bucket = new RateLimitBucket(1, 1, TimeSpan.FromMilliseconds(100));
        using var limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, k =>
        {
            lock (created) created[k] = created.GetValueOrDefault(k) + 1;
            return bucket.ToLimiterOptions();
        }));
        for (var i = 0; i < 100; i++)
            using (limiter.AttemptAcquire("random-" + i)) { }
        using (limiter.AttemptAcquire("kept")) { }

        // Within the idle time the partition is kept: its bucket is the same one (empty: refused).
        using (var again = limiter.AttemptAcquire("kept")) Assert.False(again.IsAcquired);
        Assert.Equal(1, created["kept"]);

        // Past it (the bucket refills in 100 ms, then 10 s idle) the partition is gone and a request makes a new one.
        await Task.Delay(TimeSpan.FromSeconds(12));
        using (var later = limiter.AttemptAcquire("random-0")) Assert.True(later.IsAcquired);
        Assert.Equal(2, created["random-0"]);
    }
}
