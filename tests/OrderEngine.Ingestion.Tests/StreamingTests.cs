using System.Globalization;
using OrderEngine.Domain.Orders;
using OrderEngine.Ingestion.Adapters;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

/// <summary>
/// A 10,000-order feed read through a reader that generates it on demand and counts what was taken: the adapters must
/// yield each order while only a chunk or so beyond it has been read, never the whole file first.
/// </summary>
public sealed class StreamingTests
{
    private const int Orders = 10_000;

    /// <summary>A feed generated record by record as it is read, so it never exists whole, not even in the test.</summary>
    private sealed class GeneratedFeed(string? header, Func<int, string> record, int count) : TextReader
    {
        private string _pending = header ?? "";
        private int _offset;
        private int _next;

        public long CharsRead { get; private set; }

        /// <summary>Records produced so far: how far ahead of the consumer the reader has been pulled.</summary>
        public int RecordsGenerated => _next;

        public override int Read(Span<char> buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                if (_offset == _pending.Length)
                {
                    if (_next == count) break;
                    _pending = record(_next++);
                    _offset = 0;
                }
                var n = Math.Min(buffer.Length - written, _pending.Length - _offset);
                _pending.AsSpan(_offset, n).CopyTo(buffer[written..]);
                _offset += n;
                written += n;
            }
            CharsRead += written;
            return written;
        }

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override int Peek() => throw new NotSupportedException("the adapters read in chunks");

        public override int Read() => throw new NotSupportedException("the adapters read in chunks");
    }

    private static string Price(int i) => (1 + i % 97 + (i % 100) / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static string NdjsonOrder(int i) =>
        "{\"externalId\": \"feed-" + i + "\", \"channel\": \"bulk\", \"customerId\": \"c-" + i % 500 + "\", \"currency\": \"EUR\", "
        + "\"lines\": [{\"sku\": \"S-" + i % 50 + "\", \"quantity\": " + (1 + i % 3) + ", \"unitPrice\": " + Price(i) + "}, {\"sku\": \"T-" + i % 7 + "\", \"quantity\": 1, \"unitPrice\": 2.50}], "
        + "\"shippingAddress\": {\"name\": \"Buyer " + i + "\", \"country\": \"DE\"}, \"charges\": {\"shipping\": 4.90, \"tax\": 0, \"discount\": 0}}\n";

    private static string CsvOrder(int i) =>
        $"feed-{i},bulk,c-{i % 500},EUR,S-{i % 50},{1 + i % 3},{Price(i)},4.90,\"Buyer, {i}\",DE\r\n"
        + $"feed-{i},bulk,c-{i % 500},EUR,T-{i % 7},1,2.50,4.90,\"Buyer, {i}\",DE\r\n";

    /// <param name="ahead">How many records the reader may be pulled ahead of the orders yielded: a buffer's worth, never the file.</param>
    private static async Task AssertStreams(GeneratedFeed feed, IAsyncEnumerable<AdapterResult> results, int ahead = 200)
    {
        var seen = 0;
        await foreach (var result in results)
        {
            var c = AssertAccepted(result);
            Assert.Equal($"feed-{seen}", ((Mapped)result).ExternalId);
            Assert.Equal(2, c.Lines.Length);
            Assert.Equal(decimal.Parse(Price(seen), CultureInfo.InvariantCulture), c.Lines[0].UnitPrice);
            Assert.Equal(new OrderCharges(4.90m, 0m, 0m), c.Charges);
            seen++;
            // The reader is never pulled more than a few hundred records (a buffer of tens of K chars) ahead of what was yielded.
            Assert.True(feed.RecordsGenerated <= seen + ahead, $"after {seen} orders the reader had produced {feed.RecordsGenerated} records");
            if (seen == 1) Assert.True(feed.CharsRead <= 64 * 1024, $"the first order was yielded after {feed.CharsRead} characters");
        }
        Assert.Equal(Orders, seen);
        Assert.True(feed.CharsRead > 1_000_000, "the feed is large enough for the bound above to mean something");
    }

    [Fact]
    public async Task A_10000_order_ndjson_feed_is_read_incrementally_and_every_order_maps()
    {
        var feed = new GeneratedFeed(null, NdjsonOrder, Orders);
        await AssertStreams(feed, new CanonicalNdjsonAdapter().ReadAsync(feed));
    }

    [Fact]
    public async Task A_10000_order_csv_file_is_read_incrementally_and_every_order_maps()
    {
        var feed = new GeneratedFeed("externalId,channel,customerId,currency,sku,quantity,unitPrice,shipping,name,country\r\n", CsvOrder, Orders);
        // Sep reads up to two 16K-char blocks ahead (about 300 of these 110-character orders).
        await AssertStreams(feed, new CanonicalCsvAdapter().ReadAsync(feed), ahead: 600);
    }

    [Fact]
    public async Task Reading_stops_when_cancelled()
    {
        using var cts = new CancellationTokenSource();
        var feed = new GeneratedFeed(null, NdjsonOrder, Orders);
        var read = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in new CanonicalNdjsonAdapter().ReadAsync(feed, cts.Token))
                if (++read == 10) await cts.CancelAsync();
        });
        Assert.True(feed.RecordsGenerated < Orders);
    }
}
