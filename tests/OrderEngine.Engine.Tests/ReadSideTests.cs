using System.Collections.Immutable;
using Akka.Persistence.Query;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.ReadSide;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>The read-orders and read-stock projections on each database: sales semantics, idempotence, rebuild, stock arithmetic.</summary>
public abstract class ReadSideCases
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000);
    private static readonly int Day = ReadValues.Day(T.ToUnixTimeMilliseconds());

    protected abstract Task<JournalDatabase> CreateDatabaseAsync();

    private async Task<JournalDatabase> PreparedAsync()
    {
        var database = await CreateDatabaseAsync();
        database.Prepare();
        return database;
    }

    private static List<EventEnvelope> Envelopes(IEnumerable<object> events)
    {
        long offset = 0;
        return events.Select(e => new EventEnvelope(Offset.Sequence(++offset), "x", offset, e, 0, [])).ToList();
    }

    private static OrderPlaced Placed(string id, string channel, string customer, string currency, decimal total, OrderStatus outcome,
        string? country, OrderLine[] lines, ChannelPayment? paidAtChannel = null, DateTimeOffset? placedAt = null) =>
        new(id, channel, customer, currency, [.. lines], total,
            country is null ? null : new Address("n", "l1", null, "c", null, "p", country, null), T.AddMinutes(30), T,
            PaymentMethod.Card, Outcome: new PlacementOutcome(outcome, [], null, T), PaidAtChannel: paidAtChannel, PlacedAt: placedAt);

    /// <summary>
    /// o-1 EUR paid (two SKUs) with one line refunded and an anomaly refunded; o-2 USD paid at the channel the day
    /// before, its refund failed; o-3 never paid (expired); o-4 paid and refunded in full; a stock event mixed in.
    /// </summary>
    private static List<object> SalesStory() =>
    [
        Placed("o-1", "web", "cust-a", "EUR", 26.25m, OrderStatus.Reserved, "DE",
            [new("A", 2, 10.50m, 21.00m), new("B", 1, 5.25m, 5.25m)]),
        new OnHandSet("A", 100, 1, T),
        Placed("o-2", "shopify", "cust-a", "USD", 12.3456m, OrderStatus.Paid, null,
            [new("A", 1, 12.3456m, 12.3456m)], new ChannelPayment("card", 12.3456m, "USD", "ch-1"), T.AddDays(-1)),
        Placed("o-3", "web", "cust-b", "EUR", 40m, OrderStatus.Reserved, "FR", [new("A", 4, 10m, 40m)]),
        new PaymentConfirmed("o-1", 26.25m, "EUR", "psp-1", T.AddMinutes(1), "sandbox"),
        new RefundRequested("o-1", "r-1", "psp-1", "sandbox", 5.25m, "EUR", [new RefundLine("B", 1)], "damaged", "op", T.AddMinutes(2)),
        new RefundRequested("o-1", "r-anomaly", "psp-dup", "sandbox", 26.25m, "EUR", [], "paid twice", "system", T.AddMinutes(2)),
        new RefundSucceeded("o-1", "r-1", "pr-1", T.AddMinutes(3)),
        new RefundSucceeded("o-1", "r-anomaly", "pr-2", T.AddMinutes(3)),
        new RefundRequested("o-2", "r-2", "ch-1", "channel:shopify", 12.3456m, "USD", [], "asked", "op", T.AddMinutes(3)),
        new RefundFailed("o-2", "r-2", "refused", T.AddMinutes(4)),
        new OrderExpired("o-3", T.AddMinutes(30)),
        Placed("o-4", "web", "cust-b", "EUR", 7.5m, OrderStatus.Reserved, "FR", [new("C", 3, 2.5m, 7.5m)]),
        new PaymentConfirmed("o-4", 7.5m, "EUR", "psp-4", T.AddMinutes(5), null),
        new RefundRequested("o-4", "r-4", "psp-4", null, 7.5m, "EUR", [new RefundLine("C", 3)], "whole", "op", T.AddMinutes(6), Whole: true),
        new RefundSucceeded("o-4", "r-4", null, T.AddMinutes(7)),
    ];

    [Fact]
    public async Task Sales_count_paid_orders_at_their_placed_day_net_of_succeeded_refunds_of_their_payment_per_currency()
    {
        var database = await PreparedAsync();
        await new ReadOrdersProjection(database).ApplyAsync(Envelopes(SalesStory()), CancellationToken.None);

        var tables = await ReadTableDump.DumpAsync(database);
        Assert.Equal([
            $"{Day - 1}|shopify||USD|card|1|1|123456|0",
            $"{Day}|web|DE|EUR|card|1|3|262500|52500",
            $"{Day}|web|FR|EUR|card|1|3|75000|75000",
        ], tables["sales_daily"]);
        Assert.Equal([
            $"{Day - 1}|A|USD|1|1|123456|0|0",
            $"{Day}|A|EUR|1|2|210000|0|0",
            $"{Day}|B|EUR|1|1|52500|1|52500",
            $"{Day}|C|EUR|1|3|75000|3|75000",
        ], tables["sales_by_sku"]);
        var t = T.ToUnixTimeMilliseconds();
        var dayBefore = T.AddDays(-1).ToUnixTimeMilliseconds();
        Assert.Equal([
            $"cust-a|EUR|1|3|262500|52500|{t}|{t}",
            $"cust-a|USD|1|1|123456|0|{dayBefore}|{dayBefore}",
            $"cust-b|EUR|1|3|75000|75000|{t}|{t}",
        ], tables["sales_by_customer"]);
        var orders = tables["read_orders"].Select(r => r.Split('|')).ToDictionary(c => c[0], c => (Status: c[6], Refunded: c[8], PaidAt: c[13]));
        Assert.Equal(("paid", "52500"), (orders["o-1"].Status, orders["o-1"].Refunded));
        Assert.Equal(("paid", "0"), (orders["o-2"].Status, orders["o-2"].Refunded));
        Assert.Equal(("expired", ""), (orders["o-3"].Status, orders["o-3"].PaidAt));
        Assert.Equal(("refunded", "75000"), (orders["o-4"].Status, orders["o-4"].Refunded));
        Assert.Contains("o-1|1|B|1|52500|52500|1|" + t + "|0", tables["read_order_lines"]);
        Assert.Contains(tables["read_refunds"], r => r.StartsWith("o-2|r-2|123456|failed|"));
        Assert.Contains(tables["read_refunds"], r => r.StartsWith("o-1|r-anomaly|262500|succeeded|") && r.Contains("|0|[]"));
    }

    [Fact]
    public async Task The_same_events_in_one_batch_or_one_per_batch_or_a_batch_given_twice_give_the_same_tables()
    {
        var envelopes = Envelopes(SalesStory());
        var whole = await PreparedAsync();
        await new ReadOrdersProjection(whole).ApplyAsync(envelopes, CancellationToken.None);
        await new ReadOrdersProjection(whole).ApplyAsync(envelopes, CancellationToken.None); // given again: nothing counts twice
        var oneByOne = await PreparedAsync();
        var projection = new ReadOrdersProjection(oneByOne);
        foreach (var e in envelopes) await projection.ApplyAsync([e], CancellationToken.None);
        var overlapping = await PreparedAsync();
        var third = new ReadOrdersProjection(overlapping);
        await third.ApplyAsync(envelopes[..8], CancellationToken.None);
        await third.ApplyAsync(envelopes[4..], CancellationToken.None); // overlaps the first: the events already applied are skipped

        var expected = await ReadTableDump.DumpAsync(whole);
        Assert.Equal(expected, await ReadTableDump.DumpAsync(oneByOne));
        Assert.Equal(expected, await ReadTableDump.DumpAsync(overlapping));
        Assert.Equal(envelopes.Count, await projection.LoadOffsetAsync(CancellationToken.None));
        Assert.Equal(3, expected["sales_daily"].Count);
    }

    [Fact]
    public async Task A_reset_empties_the_tables_and_applying_the_journal_again_gives_identical_tables()
    {
        var database = await PreparedAsync();
        var orders = new ReadOrdersProjection(database);
        var stock = new ReadStockProjection(database);
        var envelopes = Envelopes(SalesStory().Concat(StockStory()));
        await orders.ApplyAsync(envelopes, CancellationToken.None);
        await stock.ApplyAsync(envelopes, CancellationToken.None);
        var before = await ReadTableDump.DumpAsync(database);

        await orders.ResetAsync(CancellationToken.None);
        await stock.ResetAsync(CancellationToken.None);
        Assert.All(await ReadTableDump.DumpAsync(database), t => Assert.Empty(t.Value));
        Assert.Equal(0, await orders.LoadOffsetAsync(CancellationToken.None));
        foreach (var chunk in envelopes.Chunk(5))
        {
            await orders.ApplyAsync(chunk, CancellationToken.None);
            await stock.ApplyAsync(chunk, CancellationToken.None);
        }

        Assert.Equal(before, await ReadTableDump.DumpAsync(database));
    }

    private static List<object> StockStory() =>
    [
        new OnHandSet("S", 10, 1, T),
        new StockReserved("S", "o1", 3, T.AddMinutes(10), T),
        new StockReserved("S", "o2", 2, T.AddMinutes(10), T),
        new ReservationCommitted("S", "o1", 3, T.AddMinutes(1)),
        new ReservationReleased("S", "o2", 2, T.AddMinutes(1)),
        new StockReserved("S", "o3", 4, T.AddMinutes(10), T.AddMinutes(2)),
        new ReservationExtended("S", "o3", T.AddMinutes(20), T.AddMinutes(3)),
        new ReservationsExpired("S", [new ExpiredReservation("o3", 4)], T.AddMinutes(21)),
        new OnHandAdjusted("S", "adj-1", 5, AdjustmentReason.Correction, null, T.AddMinutes(22)),
        new StockReserved("S", "o5", 1, T.AddMinutes(40), T.AddMinutes(23)),
        new ReservationCommitted("S", "o5", 1, T.AddMinutes(24)),
        new SoldShipped("S", "o1", "m-1", 3, T.AddMinutes(25)),
        new SaleRestocked("S", "o5", "rs-1", 1, T.AddMinutes(26)),
        new ShippedReceived("S", "o1", "m-2", 1, T.AddMinutes(27)),
        new StockReserved("S", "o6", 2, T.AddMinutes(60), T.AddMinutes(28)),
        new OnHandSet("S", 20, 2, T.AddMinutes(29)),
        new ReservationCommitted("S", "o6", 2, T.AddDays(1)),
    ];

    [Fact]
    public async Task Stock_levels_match_the_stock_entitys_own_answer_after_a_mixed_sequence()
    {
        var database = await PreparedAsync();
        var events = StockStory();
        var projection = new ReadStockProjection(database);
        foreach (var chunk in Envelopes(events).Chunk(4)) await projection.ApplyAsync(chunk, CancellationToken.None);

        var entity = StockDecider.Fold(StockState.Initial("S"), events.Cast<IStockEvent>()).ToView();
        var tables = await ReadTableDump.DumpAsync(database);
        var row = Assert.Single(tables["stock_levels"]).Split('|');
        Assert.Equal((entity.OnHand, entity.Reserved, entity.Available), (long.Parse(row[1]), long.Parse(row[2]), long.Parse(row[4])));
        Assert.Equal(3 + 1 - 1 + 2, long.Parse(row[3])); // committed to orders, net of the restock
        Assert.Equal([$"S|{Day}|3", $"S|{Day + 1}|2"], tables["stock_daily"]);
    }

    [Fact]
    public async Task The_lag_counts_the_journal_rows_past_an_offset_and_dates_the_oldest_of_them()
    {
        var database = await PreparedAsync();
        var first = new DateTime(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc);
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            for (var i = 0; i < 3; i++)
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO journal (created, deleted, persistence_id, sequence_number, message) VALUES (@created, @deleted, 'p', @seq, @message)";
                insert.AddParameter("created", first.AddSeconds(i).Ticks);
                insert.AddParameter("deleted", false);
                insert.AddParameter("seq", (long)i + 1);
                insert.AddParameter("message", new byte[] { 1 });
                await insert.ExecuteNonQueryAsync();
            }
        }
        await using var c = await database.OpenAsync(CancellationToken.None);
        await using var min = c.CreateCommand();
        min.CommandText = "SELECT MIN(ordering) FROM journal";
        var lowest = Convert.ToInt64(await min.ExecuteScalarAsync());

        Assert.Equal((3L, (DateTimeOffset?)new DateTimeOffset(first)), await JournalLag.MeasureAsync(database, 0, CancellationToken.None));
        Assert.Equal((1L, (DateTimeOffset?)new DateTimeOffset(first.AddSeconds(2))), await JournalLag.MeasureAsync(database, lowest + 1, CancellationToken.None));
        Assert.Equal((0L, (DateTimeOffset?)null), await JournalLag.MeasureAsync(database, lowest + 2, CancellationToken.None));
    }
}

public sealed class SqliteReadSideTests : ReadSideCases, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override Task<JournalDatabase> CreateDatabaseAsync() =>
        Task.FromResult(JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File(Guid.NewGuid().ToString("N")[..8] + ".db") }));
}

public sealed class PostgresReadSideTests(PostgresFixture postgres) : ReadSideCases, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> CreateDatabaseAsync() => JournalDatabase.From(new PersistenceOptions
    {
        Provider = PersistenceProvider.PostgreSql,
        ConnectionString = await postgres.Server.CreateDatabaseAsync("reads_" + Guid.NewGuid().ToString("N")[..12]),
    });
}

public sealed class ReadValuesTests
{
    [Fact]
    public void Amounts_are_stored_exactly_in_ten_thousandths_and_more_decimals_are_refused()
    {
        Assert.Equal(123456L, ReadValues.E4(12.3456m));
        Assert.Equal(-50000L, ReadValues.E4(-5m));
        Assert.Equal(12.3456m, ReadValues.FromE4(123456));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadValues.E4(0.00001m));
    }

    [Fact]
    public void Days_count_from_1970_in_utc_and_enum_names_are_camel_case()
    {
        Assert.Equal(0, ReadValues.Day(0));
        Assert.Equal(-1, ReadValues.Day(-1));
        Assert.Equal(1, ReadValues.Day(86_400_000));
        Assert.Equal("partiallyShipped", ReadValues.Name(OrderStatus.PartiallyShipped));
        Assert.Equal("cashOnDelivery", ReadValues.Name(PaymentMethod.CashOnDelivery));
    }
}
