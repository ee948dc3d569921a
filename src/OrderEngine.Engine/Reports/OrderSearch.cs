using System.Buffers.Text;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Reports;

/// <summary>What an order search asks for: every filter optional; <see cref="After"/> is the last key of the previous page.</summary>
public sealed record OrderSearchQuery(
    string? Status = null,
    string? Channel = null,
    string? CustomerId = null,
    string? Sku = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Limit = OrderSearchQuery.DefaultLimit,
    OrderSearchKey? After = null)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
}

/// <summary>The position of an order in the search order (placed_at DESC, order_id DESC).</summary>
public sealed record OrderSearchKey(long PlacedAt, string OrderId)
{
    private const string Version = "o1";

    /// <summary>The opaque cursor: base64url of the key with a check, so a cursor altered by hand is refused, not followed.</summary>
    public string Encode()
    {
        var payload = string.Create(CultureInfo.InvariantCulture, $"{Version}|{PlacedAt}|{OrderId}");
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload + "|" + Check(payload)));
    }

    /// <summary>The key inside a cursor, or null when the text is not a cursor this engine wrote.</summary>
    public static OrderSearchKey? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 256 || !Base64Url.IsValid(cursor)) return null;
        string text;
        try { text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)); }
        catch (FormatException) { return null; }
        var parts = text.Split('|');
        if (parts.Length != 4 || parts[0] != Version) return null;
        var payload = string.Join('|', parts[0], parts[1], parts[2]);
        if (parts[3] != Check(payload)) return null;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var placedAt)) return null;
        if (parts[2].Length is 0 or > 64) return null;
        return new OrderSearchKey(placedAt, parts[2]);
    }

    private static string Check(string payload) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("orderengine-search-cursor\n" + payload)).AsSpan(0, 6));
}

/// <summary>One order as the search lists it (a row of read_orders).</summary>
public sealed record OrderSearchItem(
    string OrderId,
    string Channel,
    string? ExternalId,
    string CustomerId,
    string? Country,
    string Currency,
    string Status,
    decimal Total,
    decimal Refunded,
    int Units,
    string PaymentMethod,
    DateTimeOffset PlacedAt,
    DateTimeOffset? PaidAt,
    DateTimeOffset? ShippedAt,
    DateTimeOffset? DeliveredAt);

public sealed record OrderSearchPage(IReadOnlyList<OrderSearchItem> Items, OrderSearchKey? Next);

/// <summary>
/// Searches read_orders newest first with keyset pagination: each page starts strictly after the previous page's last
/// (placed_at, order_id), so a page costs an index seek plus its rows however deep it is, and an order placed while a
/// client pages never shifts or repeats a row. Every filter combination is served by one of the read tables' indexes
/// ((placed_at, order_id), (status|channel|customer_id, placed_at, order_id), read_order_lines (sku, placed_at, order_id)).
/// The same SQL runs on SQLite and PostgreSQL.
/// </summary>
public sealed class OrderSearchStore(JournalDatabase database)
{
    private const string Columns = """
        o.order_id, o.channel, o.external_id, o.customer_id, o.country, o.currency, o.status, o.total_e4, o.refunded_e4, o.units,
        o.payment_method, o.placed_at, o.paid_at, o.shipped_at, o.delivered_at
        """;

    public async Task<OrderSearchPage> SearchAsync(OrderSearchQuery query, CancellationToken ct)
    {
        if (query.Limit is < 1 or > OrderSearchQuery.MaxLimit) throw new ArgumentOutOfRangeException(nameof(query), "limit must be 1-500");
        await using var connection = await database.OpenAsync(ct);
        var items = new List<OrderSearchItem>(query.Limit + 1);
        var after = query.After;
        // An order with two lines of the searched SKU comes twice from the lines' index, always next to itself; a
        // strict keyset skips the copy on the next round, so a round short of distinct orders simply reads on.
        while (true)
        {
            var want = query.Limit + 1 - items.Count;
            await using var command = Build(connection, query with { After = after }, want);
            var read = 0;
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    read++;
                    var item = Read(reader);
                    if (items.Count > 0 && items[^1].OrderId == item.OrderId && items[^1].PlacedAt == item.PlacedAt) continue;
                    items.Add(item);
                }
            }
            if (items.Count > query.Limit || read < want || query.Sku is null) break;
            after = new OrderSearchKey(items[^1].PlacedAt.ToUnixTimeMilliseconds(), items[^1].OrderId);
        }
        if (items.Count <= query.Limit) return new OrderSearchPage(items, null);
        items.RemoveAt(items.Count - 1);
        var last = items[^1];
        return new OrderSearchPage(items, new OrderSearchKey(last.PlacedAt.ToUnixTimeMilliseconds(), last.OrderId));
    }

    /// <summary>
    /// The search for orders of any of several customer ids that are one customer (a pseudonymous <c>email:</c> id and the
    /// email itself, kept as the id by orders taken in before pseudonymous ids): one keyset search per id, merged in the
    /// search order. Each id's search reads at most a page past the cursor, so the first <see cref="OrderSearchQuery.Limit"/>
    /// of the merge are the page, and its cursor serves every id's next page alike.
    /// </summary>
    public async Task<OrderSearchPage> SearchAnyCustomerAsync(OrderSearchQuery query, IReadOnlyList<string> customerIds, CancellationToken ct)
    {
        if (customerIds.Count == 0) throw new ArgumentException("at least one customer id", nameof(customerIds));
        if (customerIds.Count == 1) return await SearchAsync(query with { CustomerId = customerIds[0] }, ct);
        var pages = new List<OrderSearchPage>(customerIds.Count);
        foreach (var id in customerIds.Distinct(StringComparer.Ordinal)) pages.Add(await SearchAsync(query with { CustomerId = id }, ct));
        var merged = pages.SelectMany(p => p.Items)
            .OrderByDescending(i => i.PlacedAt.ToUnixTimeMilliseconds()).ThenByDescending(i => i.OrderId, StringComparer.Ordinal)
            .ToList();
        if (merged.Count <= query.Limit && pages.All(p => p.Next is null)) return new OrderSearchPage(merged, null);
        var items = merged.Take(query.Limit).ToList();
        var last = items[^1];
        return new OrderSearchPage(items, new OrderSearchKey(last.PlacedAt.ToUnixTimeMilliseconds(), last.OrderId));
    }

    /// <summary>The statement a query runs (public for the plan checks in the tests).</summary>
    public static DbCommand Build(DbConnection connection, OrderSearchQuery query, int limit)
    {
        var command = connection.CreateCommand();
        var where = new List<string>();
        // The keyset and date range are on the table that drives the order: read_order_lines for a SKU, else read_orders.
        var k = query.Sku is null ? "o" : "l";
        if (query.Sku is not null)
        {
            where.Add("l.sku = @sku");
            command.AddParameter("sku", query.Sku);
        }
        if (query.Status is not null)
        {
            where.Add("o.status = @status");
            command.AddParameter("status", query.Status);
        }
        if (query.Channel is not null)
        {
            where.Add("o.channel = @channel");
            command.AddParameter("channel", query.Channel);
        }
        if (query.CustomerId is not null)
        {
            where.Add("o.customer_id = @customer");
            command.AddParameter("customer", query.CustomerId);
        }
        if (query.From is { } from)
        {
            where.Add($"{k}.placed_at >= @from");
            command.AddParameter("from", from.ToUnixTimeMilliseconds());
        }
        if (query.To is { } to)
        {
            where.Add($"{k}.placed_at < @to");
            command.AddParameter("to", to.ToUnixTimeMilliseconds());
        }
        if (query.After is { } after)
        {
            // The first conjunct is the index range (deep pages seek, not scan); the second only sorts out equal times.
            where.Add($"{k}.placed_at <= @afterAt AND ({k}.placed_at < @afterAt OR {k}.order_id < @afterId)");
            command.AddParameter("afterAt", after.PlacedAt);
            command.AddParameter("afterId", after.OrderId);
        }
        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        command.CommandText = query.Sku is null
            ? $"SELECT {Columns} FROM read_orders o {filter} ORDER BY o.placed_at DESC, o.order_id DESC LIMIT @limit"
            : $"SELECT {Columns} FROM read_order_lines l JOIN read_orders o ON o.order_id = l.order_id {filter} ORDER BY l.placed_at DESC, l.order_id DESC LIMIT @limit";
        command.AddParameter("limit", limit);
        return command;
    }

    private static OrderSearchItem Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
        r.GetString(5), r.GetString(6), ReadAmounts.FromE4(r.GetInt64(7)), ReadAmounts.FromE4(r.GetInt64(8)), Convert.ToInt32(r.GetValue(9), CultureInfo.InvariantCulture),
        r.GetString(10), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(11)),
        ReadAmounts.InstantOf(r.IsDBNull(12) ? null : r.GetInt64(12)), ReadAmounts.InstantOf(r.IsDBNull(13) ? null : r.GetInt64(13)),
        ReadAmounts.InstantOf(r.IsDBNull(14) ? null : r.GetInt64(14)));
}
