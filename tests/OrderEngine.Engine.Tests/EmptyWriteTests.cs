using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Stock;

namespace OrderEngine.Engine.Tests;

/// <summary>
/// Akka.Persistence.Sql fails a write with no events in it, and enough such failures in a row open the journal's circuit
/// breaker for every entity. An entity must therefore never hand the journal a batch with nothing to write (which is
/// what DeferAsync does when nothing else is queued behind a write in flight).
/// </summary>
public sealed class EmptyWriteTests() : TestKit(ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.counting"
        akka.persistence.journal.counting {
          class = "OrderEngine.Engine.Tests.EmptyWriteTests+CountingJournal, OrderEngine.Engine.Tests"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """).WithFallback(TestConfig.WithTestJournal))
{
    [Fact]
    public async Task Reads_repeats_and_stops_behind_a_write_in_flight_never_send_the_journal_an_empty_write()
    {
        var stock = Sys.ActorOf(StockActor.Props("empty-1", TestConfig.FastStock(), 500, TimeSpan.FromMinutes(10), CreateTestProbe().Ref, TimeProvider.System));
        await stock.Ask<IStockReply>(new SetOnHand("empty-1", 100, 1), TimeSpan.FromSeconds(10));
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);

        for (var i = 0; i < 20; i++)
        {
            var reserve = new ReserveStock("empty-1", $"o{i}", 1, expires);
            var first = stock.Ask<IStockReply>(reserve, TimeSpan.FromSeconds(10));
            var read = stock.Ask<IStockReply>(new GetStock("empty-1"), TimeSpan.FromSeconds(10));
            var repeat = stock.Ask<IStockReply>(reserve, TimeSpan.FromSeconds(10));
            var released = stock.Ask<IStockReply>(new ReleaseReservation("empty-1", $"never-{i}"), TimeSpan.FromSeconds(10));
            await Task.WhenAll(first, read, repeat, released);
            Assert.Equal(i + 1, ((StockAccepted)await read).View.Reserved);
        }
        Watch(stock);
        stock.Tell(new ReserveStock("empty-1", "last", 1, expires));
        stock.Tell(Sharding.StopEntity.Instance);
        // The reservation is answered first: the stop waits for its write.
        ExpectMsg<StockAccepted>(a => a.Ref == "last");
        ExpectTerminated(stock);

        Assert.Equal(0, CountingJournal.EmptyWrites);
        Assert.True(CountingJournal.Writes > 20);
    }

    /// <summary>An in-memory journal that counts the writes it is handed with no events in them.</summary>
    public sealed class CountingJournal : MemoryJournal
    {
        public static int EmptyWrites;
        public static int Writes;

        protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
        {
            var list = messages.ToList();
            Interlocked.Increment(ref Writes);
            if (list.Count == 0) Interlocked.Increment(ref EmptyWrites);
            return base.WriteMessagesAsync(list, cancellationToken);
        }
    }
}
