using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Ingestion.Intake;
using OrderEngine.Testing;

namespace OrderEngine.Ingestion.Tests.Intake;

/// <summary>
/// The intake pipeline against a stand-in order region (a test probe) that answers only when told: a slow engine must
/// slow the feed — at most <c>parallelism</c> records wait for an answer and the feed is read only a little ahead of
/// them — instead of reading the feed into memory.
/// </summary>
public sealed class BackPressureTests : TestKit, IDisposable
{
    private const int Parallelism = 8;
    private readonly TempDirectory _directory = new();
    private readonly JournalDatabase _database;

    public BackPressureTests()
    {
        _database = new JournalDatabase(PersistenceProvider.Sqlite,
            new SqliteConnectionStringBuilder { DataSource = _directory.File("intake.db") }.ConnectionString);
        _database.Prepare();
    }

    [Fact]
    public async Task A_feed_waits_for_the_engine_instead_of_reading_ahead()
    {
        var region = CreateTestProbe();
        var stats = new ChannelStats(_database);
        var intake = new ChannelIntake(() => region.Ref, IngestionTestKit.Quarantine(_database), stats, TimeSpan.FromMinutes(1), TimeProvider.System,
            NullLogger<ChannelIntake>.Instance);
        var feed = new FeedIntake(intake, Sys, OrderRules.Default, Parallelism, IngestionTestKit.CustomerIds);
        var reader = new GeneratedFeed(100_000);
        var answered = 0;
        var run = feed.RunAsync("store", new IntakeSource("feed", "ndjson"), reader, batch =>
        {
            Interlocked.Add(ref answered, batch.Count);
            return Task.CompletedTask;
        }, CancellationToken.None);

        // The engine answers nothing: exactly `parallelism` placements are asked, then the pipeline waits.
        var asked = Enumerable.Range(0, Parallelism).Select(_ => (Command: region.ExpectMsg<PlaceOrder>(), Sender: region.LastSender)).ToList();
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.InRange(reader.LinesServed, Parallelism, 200);
        Assert.Equal(0, Volatile.Read(ref answered));

        // One answer lets exactly one more record in.
        asked[0].Sender.Tell(Accepted(asked[0].Command));
        var next = (Command: region.ExpectMsg<PlaceOrder>(), Sender: region.LastSender);
        Assert.Equal(GeneratedFeed.ExternalId(Parallelism + 1), next.Command.ExternalId);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.InRange(reader.LinesServed, Parallelism + 1, 200);

        // Answering everything drains the feed to its end, in order.
        region.SetAutoPilot(new Akka.TestKit.DelegateAutoPilot((sender, message) =>
        {
            if (message is PlaceOrder p) sender.Tell(Accepted(p));
            return Akka.TestKit.AutoPilot.KeepRunning;
        }));
        foreach (var (command, sender) in asked.Skip(1).Append(next)) sender.Tell(Accepted(command));
        await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(100_000, Volatile.Read(ref answered));
        Assert.Equal(100_000, reader.LinesServed);
    }

    private static OrderAccepted Accepted(PlaceOrder p)
    {
        var placed = OrderDecider.Decide(OrderState.Initial(p.OrderId), p, DateTimeOffset.UnixEpoch, OrderRules.Default);
        return new(p.OrderId, OrderView.From(placed.Events.Aggregate(OrderState.Initial(p.OrderId), OrderDecider.Evolve)));
    }

    public new void Dispose()
    {
        base.Dispose();
        _directory.Dispose();
    }

    /// <summary>A feed made up as it is read, counting the lines handed out.</summary>
    private sealed class GeneratedFeed(int lines) : TextReader
    {
        private int _served;
        private string _pending = "";

        public int LinesServed => Volatile.Read(ref _served);

        public static string ExternalId(int n) => $"x-{n}";

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            if (_pending.Length == 0)
            {
                if (_served >= lines) return 0;
                var n = Interlocked.Increment(ref _served);
                _pending = $$"""{"externalId":"{{ExternalId(n)}}","channel":"store","customerId":"c-1","currency":"EUR","lines":[{"sku":"A-1","quantity":1,"unitPrice":1}]}""" + "\n";
            }
            var take = Math.Min(buffer.Length, _pending.Length);
            _pending.AsSpan(0, take).CopyTo(buffer);
            _pending = _pending[take..];
            return take;
        }

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(char[] buffer, int index, int count) => Task.FromResult(Read(buffer, index, count));
    }
}
