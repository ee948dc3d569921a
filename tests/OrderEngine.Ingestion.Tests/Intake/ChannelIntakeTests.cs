using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Ingestion.Intake;
using OrderEngine.Testing;

namespace OrderEngine.Ingestion.Tests.Intake;

/// <summary>
/// The intake's outcomes against a stand-in order region: a stock refusal is taken and answered <c>refused</c> (counted
/// apart, not quarantined), and a feed record takes the feed's channel when it names none but is quarantined when it
/// names another.
/// </summary>
public sealed class ChannelIntakeTests : TestKit, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly JournalDatabase _database;
    private readonly ChannelStats _stats;
    private readonly QuarantineStore _quarantine;

    public ChannelIntakeTests()
    {
        _database = new JournalDatabase(PersistenceProvider.Sqlite,
            new SqliteConnectionStringBuilder { DataSource = _directory.File("intake.db") }.ConnectionString);
        _database.Prepare();
        _stats = new ChannelStats(_database);
        _quarantine = IngestionTestKit.Quarantine(_database);
    }

    private static string Record(string externalId, string? channel) =>
        "{\"externalId\": \"" + externalId + "\", " + (channel is null ? "" : "\"channel\": \"" + channel + "\", ")
        + "\"customerId\": \"c-1\", \"currency\": \"EUR\", \"lines\": [{\"sku\": \"A-1\", \"quantity\": 1, \"unitPrice\": 2.00}, {\"sku\": \"B-2\", \"quantity\": 3, \"unitPrice\": 1.00}]}\n";

    /// <summary>Runs a feed through an intake whose order region answers each placement with <paramref name="answer"/>.</summary>
    private async Task<List<IntakeOutcome>> Feed(string channel, string body, Func<PlaceOrder, IOrderReply> answer, List<PlaceOrder>? asked = null)
    {
        var region = CreateTestProbe();
        region.SetAutoPilot(new Akka.TestKit.DelegateAutoPilot((sender, message) =>
        {
            if (message is PlaceOrder p)
            {
                asked?.Add(p);
                sender.Tell(answer(p), Akka.Actor.ActorRefs.NoSender);
            }
            return Akka.TestKit.AutoPilot.KeepRunning;
        }));
        var intake = new ChannelIntake(() => region.Ref, _quarantine, _stats, TimeSpan.FromSeconds(30), TimeProvider.System, NullLogger<ChannelIntake>.Instance);
        var outcomes = new List<IntakeOutcome>();
        await new FeedIntake(intake, Sys, OrderRules.Default, 4, IngestionTestKit.CustomerIds).RunAsync(channel, new IntakeSource("feed", "ndjson"), new StringReader(body), batch =>
        {
            outcomes.AddRange(batch);
            return Task.CompletedTask;
        }, CancellationToken.None);
        return outcomes;
    }

    private static OrderRefused ShortOfStock(PlaceOrder p) =>
        new(p.OrderId, OrderRejection.NotReserved([new LineRejection("B-2", "InsufficientStock", "only 1 of 3 available")]));

    private static OrderAccepted Accepted(PlaceOrder p)
    {
        var placed = OrderDecider.Decide(OrderState.Initial(p.OrderId), p, DateTimeOffset.UnixEpoch, OrderRules.Default);
        return new(p.OrderId, OrderView.From(placed.Events.Aggregate(OrderState.Initial(p.OrderId), OrderDecider.Evolve)));
    }

    [Fact]
    public async Task A_record_refused_for_stock_is_taken_answered_refused_naming_the_line_and_counted_apart()
    {
        var outcome = Assert.Single(await Feed("store", Record("r-1", "store"), ShortOfStock));

        Assert.Equal(IntakeOutcomeKind.Refused, outcome.Outcome);
        Assert.True(outcome.Taken);
        Assert.Equal("B-2: only 1 of 3 available", outcome.Reason);
        Assert.Null(outcome.QuarantineId);
        Assert.Empty(await _quarantine.ListAsync("store", includeResolved: true, 10, CancellationToken.None));
        var counters = Assert.Single(await _stats.ReadAsync(CancellationToken.None));
        Assert.Equal((1L, 0L, 1L, 0L), (counters.Received, counters.Accepted, counters.Refused, counters.Quarantined));
    }

    [Fact]
    public async Task A_placed_order_is_accepted_and_not_counted_as_refused()
    {
        var outcome = Assert.Single(await Feed("store", Record("a-1", "store"), Accepted));

        Assert.Equal(IntakeOutcomeKind.Accepted, outcome.Outcome);
        var counters = Assert.Single(await _stats.ReadAsync(CancellationToken.None));
        Assert.Equal((1L, 1L, 0L, 0L), (counters.Received, counters.Accepted, counters.Refused, counters.Quarantined));
    }

    [Fact]
    public async Task A_record_without_channel_takes_the_feeds_and_one_naming_another_is_quarantined_with_that_reason()
    {
        var asked = new List<PlaceOrder>();
        var outcomes = await Feed("store", Record("u-1", null) + Record("u-2", "elsewhere"), Accepted, asked);

        Assert.Equal([IntakeOutcomeKind.Accepted, IntakeOutcomeKind.Quarantined], outcomes.Select(o => o.Outcome));
        Assert.Equal("store", Assert.Single(asked).Channel);
        Assert.Equal("channel: the record says 'elsewhere' but arrived on channel 'store'", outcomes[1].Reason);
        var stored = Assert.Single(await _quarantine.ListAsync("store", includeResolved: false, 10, CancellationToken.None));
        Assert.Equal("u-2", stored.ExternalId);
    }

    [Fact]
    public async Task A_mapped_record_set_aside_is_linked_to_the_customer_its_adapter_gave_and_stored_sealed()
    {
        var outcome = (await Feed("store", Record("l-1", "elsewhere"), Accepted)).Single();

        Assert.Equal(["c-1"], await _quarantine.SubjectsAsync(outcome.QuarantineId!, CancellationToken.None));
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM quarantine";
        Assert.StartsWith(OrderEngine.Engine.PersonalData.PersonalDataCipher.Prefix, (string?)await command.ExecuteScalarAsync());
    }

    /// <summary>Runs an inbox watcher over a fresh folder whose order region accepts everything; answers the folder.</summary>
    private string Inbox(bool keepFedFiles)
    {
        var root = _directory.File("inbox-" + Guid.NewGuid().ToString("N"));
        var region = CreateTestProbe();
        region.SetAutoPilot(new Akka.TestKit.DelegateAutoPilot((sender, message) =>
        {
            if (message is PlaceOrder p) sender.Tell(Accepted(p), Akka.Actor.ActorRefs.NoSender);
            return Akka.TestKit.AutoPilot.KeepRunning;
        }));
        var intake = new ChannelIntake(() => region.Ref, _quarantine, _stats, TimeSpan.FromSeconds(30), TimeProvider.System, NullLogger<ChannelIntake>.Instance);
        var feed = new FeedIntake(intake, Sys, OrderRules.Default, 4, IngestionTestKit.CustomerIds);
        Directory.CreateDirectory(Path.Combine(root, "store"));
        var options = new OrderEngine.Ingestion.Channels.InboxOptions { Path = root, PollInterval = TimeSpan.FromMilliseconds(50), KeepFedFiles = keepFedFiles };
        Sys.ActorOf(OrderEngine.Ingestion.Inbox.InboxWatcher.Props(root, feed, options, TimeProvider.System));
        return root;
    }

    /// <summary>Drops a file (written beside, moved in) and waits until its results are in .done; answers the .done folder's file names.</summary>
    private string[] FeedFile(string root, string name)
    {
        var staged = Path.Combine(root, name + ".tmp");
        File.WriteAllText(staged, Record("f-1", "store") + Record("f-2", "store"));
        File.Move(staged, Path.Combine(root, "store", name));
        var done = Path.Combine(root, ".done", "store");
        var processing = Path.Combine(root, ".processing", "store");
        // Done once the results are in .done and the file has left .processing (the results move first).
        AwaitAssert(() => Assert.True(Directory.Exists(done) && Directory.EnumerateFiles(done).Any(f => f.EndsWith(".results.ndjson", StringComparison.Ordinal))
            && !Directory.EnumerateFiles(processing).Any()), TimeSpan.FromSeconds(20));
        return [.. Directory.EnumerateFiles(done).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
    }

    [Fact]
    public void A_file_every_record_of_which_was_taken_leaves_only_its_results_in_done()
    {
        var root = Inbox(keepFedFiles: false);

        var files = FeedFile(root, "orders.ndjson");

        Assert.EndsWith("-orders.ndjson.results.ndjson", Assert.Single(files));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "store")));
    }

    [Fact]
    public void With_KeepFedFiles_a_fed_file_stays_in_done_beside_its_results()
    {
        var root = Inbox(keepFedFiles: true);

        var files = FeedFile(root, "orders.ndjson");

        Assert.Equal(2, files.Length);
        Assert.EndsWith("-orders.ndjson", files[0]);
        Assert.EndsWith("-orders.ndjson.results.ndjson", files[1]);
    }

    public new void Dispose()
    {
        base.Dispose();
        _directory.Dispose();
    }
}
