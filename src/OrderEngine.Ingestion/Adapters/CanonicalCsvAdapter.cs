using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Adapters.Support;

namespace OrderEngine.Ingestion.Adapters;

/// <summary>
/// Reads OrderEngine's CSV feed: a header row, then one row per order line. Consecutive rows with the same
/// <c>externalId</c> form one order; the order-level columns must read the same on each of its rows.
/// </summary>
/// <remarks>
/// <para>Columns (names match case-insensitively, in any order): required <c>externalId, currency, sku, quantity,
/// unitPrice</c>; optional <c>channel</c> (empty or absent: the file's channel), <c>customerId</c> (empty or absent: a
/// guest, one per order; an email: its pseudonym, never the email, see <see cref="CustomerEmails"/>), <c>paymentMethod, shipping, tax, discount, name, line1, line2, city, region, postalCode,
/// country, phone</c>, <c>placedAt</c> (the channel's order time, ISO 8601 with an offset) and <c>paymentAmount,
/// paymentCurrency, paymentReference</c> (all three: what the channel already collected; the order arrives paid). Any other column is refused with the whole file, since a misspelt optional column would otherwise
/// be silently empty. Quoting per RFC 4180. Amounts are plain decimals with a '.' (invariant culture); empty charges
/// count as 0, an empty paymentMethod as card.</para>
/// <para>Only one order's rows are held at a time, so the file is never loaded whole; rows of one order that are not
/// consecutive form separate orders with the same id, which the engine answers as a repeat or a conflict.</para>
/// </remarks>
public sealed class CanonicalCsvAdapter
{
    /// <summary>The longest record read; a longer one is refused without being held in memory.</summary>
    public const int DefaultMaxRecordLength = 64 * 1024;

    public static readonly ImmutableArray<string> RequiredColumns = ["externalId", "currency", "sku", "quantity", "unitPrice"];

    public static readonly ImmutableArray<string> OptionalColumns =
    [
        "channel", "customerId", "paymentMethod", "shipping", "tax", "discount", "name", "line1", "line2", "city", "region", "postalCode", "country", "phone",
        "placedAt", "paymentAmount", "paymentCurrency", "paymentReference",
    ];

    private static readonly string[] PaymentColumns = ["paymentAmount", "paymentCurrency", "paymentReference"];

    private static readonly string[] LineColumns = ["sku", "quantity", "unitPrice"];

    /// <summary>Columns whose values may identify a person (the caller's customer id may be an email): never quoted in a reason.</summary>
    private static readonly string[] PersonalColumns = ["customerId", "name", "line1", "line2", "phone"];

    private readonly OrderRules _rules;
    private readonly int _maxRecordLength;
    private readonly string? _channel;
    private readonly CustomerIdPseudonymizer? _customerIds;

    /// <param name="channel">The channel the file arrived on (the URL's, the inbox folder's, the queue's): the channel of an order whose row names none.</param>
    public CanonicalCsvAdapter(OrderRules? rules = null, int maxRecordLength = DefaultMaxRecordLength, string? channel = null, CustomerIdPseudonymizer? customerIds = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordLength, 16);
        _rules = rules ?? OrderRules.Default;
        _maxRecordLength = maxRecordLength;
        _channel = channel;
        _customerIds = customerIds;
    }

    /// <summary>Reads the file as it arrives, one result per order (run of rows with one externalId), in file order.</summary>
    public async IAsyncEnumerable<AdapterResult> ReadAsync(TextReader reader, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        await using var records = CsvRecords.ReadAsync(reader, _maxRecordLength, ct).GetAsyncEnumerator(ct);
        CsvRecord? header = null;
        while (await records.MoveNextAsync().ConfigureAwait(false))
        {
            if (records.Current.Blank) continue;
            header = records.Current;
            break;
        }
        if (header is null) yield break;
        var columns = Header(header, out var headerProblem);
        if (columns is null)
        {
            yield return new Refused(null, $"line {header.Line}: header: {headerProblem}") { Raw = CsvText.Join(header.Fields) };
            yield break;
        }

        Group? group = null;
        while (await records.MoveNextAsync().ConfigureAwait(false))
        {
            var record = records.Current;
            ct.ThrowIfCancellationRequested();
            if (record.Blank) continue;
            var error = record.Error ?? (record.Fields.Count != columns.Count ? $"{record.Fields.Count} fields where the header has {columns.Count}" : null);
            var externalId = columns.Index("externalId") < record.Fields.Count ? record.Fields[columns.Index("externalId")] : null;
            if (!OrderAssembly.IsUsableExternalId(externalId))
            {
                // A row without a usable id belongs to no order: it is set aside alone.
                if (group is not null) yield return Build(group, columns) with { Raw = RawOf(group, columns) };
                group = null;
                var p = new Problems();
                Canonical.ExternalId(externalId, "externalId", p);
                yield return new Refused(null, $"line {record.Line}: " + (error ?? p.Join())) { Raw = columns.HeaderText + "\n" + CsvText.Join(record.Fields) };
            }
            else
            {
                if (group is not null && group.ExternalId != externalId)
                {
                    yield return Build(group, columns) with { Raw = RawOf(group, columns) };
                    group = null;
                }
                group ??= new Group(externalId!, _rules.MaxLines);
                group.Add(new Row(record.Line, record.Fields, error));
            }
            if (record.Fatal) break;
        }
        if (group is not null) yield return Build(group, columns) with { Raw = RawOf(group, columns) };
    }

    /// <summary>The order's rows as CSV under the feed's header, so a quarantined order can be read (and retried) on its own.</summary>
    private static string RawOf(Group g, Columns columns) =>
        columns.HeaderText + "\n" + string.Join("\n", g.Rows.Select(r => CsvText.Join(r.Fields)));

    private AdapterResult Build(Group g, Columns columns)
    {
        var p = new Problems();
        // A one-row order is named once, up front; in a longer one each problem names its own line.
        var single = g.FirstLine == g.LastLine;
        string At(Row r) => single ? "" : $"line {r.Line}: ";
        foreach (var bad in g.Rows.Where(r => r.Error is not null)) p.Add("", At(bad) + bad.Error);
        if (g.RowCount > _rules.MaxLines) p.Add("", $"{g.RowCount} rows: an order may have at most {_rules.MaxLines} lines");
        var rows = g.Rows.Where(r => r.Error is null).ToList();
        var where = single ? $"line {g.FirstLine}: " : $"lines {g.FirstLine}-{g.LastLine}: ";
        if (rows.Count == 0) return new Refused(g.ExternalId, where + p.Join());

        var first = rows[0];
        foreach (var column in columns.Names.Where(c => c != "externalId" && !LineColumns.Contains(c)))
        {
            var expected = first.Fields[columns.Index(column)];
            if (rows.Skip(1).FirstOrDefault(r => r.Fields[columns.Index(column)] != expected) is { } other)
                p.Add($"line {other.Line}: {column}", PersonalColumns.Contains(column)
                    ? $"differs from line {first.Line}; the rows of one order must agree" // a reason is kept in clear after an erasure: no name, street, phone
                    : $"{Amounts.Quote(other.Fields[columns.Index(column)])} differs from {Amounts.Quote(expected)} on line {first.Line}; the rows of one order must agree");
        }

        string? Value(Row r, string column) => columns.Has(column) && r.Fields[columns.Index(column)] is { Length: > 0 } v && !string.IsNullOrWhiteSpace(v) ? v : null;
        var head = At(first);
        var channel = Canonical.Channel(Value(first, "channel") ?? _channel, head + "channel", p);
        var customerId = Canonical.CustomerId(Value(first, "customerId"), channel, g.ExternalId, _customerIds, head + "customerId", p);
        var currency = Canonical.Currency(Value(first, "currency"), head + "currency", p);
        var payment = Value(first, "paymentMethod") is { } m ? Canonical.PaymentMethodOf(m, head + "paymentMethod", p) ?? PaymentMethod.Card : PaymentMethod.Card;
        decimal Charge(string column) => Value(first, column) is { } v ? JsonFields.Money(v, head + column, p, currency) ?? 0m : 0m;
        var charges = new OrderCharges(Charge("shipping"), Charge("tax"), Charge("discount"));
        var address = OrderAssembly.AddressOrNull(new Address(
            Value(first, "name"), Value(first, "line1"), Value(first, "line2"), Value(first, "city"),
            Value(first, "region"), Value(first, "postalCode"), Value(first, "country"), Value(first, "phone")));

        var lines = ImmutableArray.CreateBuilder<OrderLineRequest>(rows.Count);
        foreach (var row in rows)
        {
            var at = At(row);
            var sku = Canonical.Sku(Value(row, "sku"), at + "sku", p);
            int? quantity = null;
            if (Value(row, "quantity") is not { } q) p.Add(at + "quantity", "missing");
            else if (!Amounts.TryParseCount(q, out var n)) p.Add(at + "quantity", Amounts.Quote(q) + " is not a whole number of units");
            else if (n < 1) p.Add(at + "quantity", $"quantity {n} is not at least 1");
            else quantity = n;
            var unitPrice = Value(row, "unitPrice") is { } price ? JsonFields.Money(price, at + "unitPrice", p, currency) : null;
            if (Value(row, "unitPrice") is null) p.Add(at + "unitPrice", "missing");
            if (sku is not null && quantity is not null && unitPrice is not null) lines.Add(new OrderLineRequest(sku, quantity.Value, unitPrice.Value));
        }

        DateTimeOffset? placedAt = Value(first, "placedAt") is { } when ? Amounts.ParseTime(when, head + "placedAt", p) : null;
        ChannelPayment? paid = null;
        if (PaymentColumns.Any(c => Value(first, c) is not null))
        {
            var amount = Value(first, "paymentAmount") is { } a ? JsonFields.Money(a, head + "paymentAmount", p, currency) : null;
            if (Value(first, "paymentAmount") is null) p.Add(head + "paymentAmount", "missing: a payment the channel collected needs its amount");
            var payCurrency = Canonical.Currency(Value(first, "paymentCurrency"), head + "paymentCurrency", p);
            var reference = Value(first, "paymentReference");
            if (reference is null) p.Add(head + "paymentReference", "missing: the channel's reference of the payment (a transaction id)");
            if (amount is not null && payCurrency is not null && reference is not null)
                paid = new ChannelPayment(Canonical.MethodName(payment), amount.Value, payCurrency, reference);
        }

        if (p.Any || channel is null || customerId is null || currency is null) return new Refused(g.ExternalId, where + p.Join());
        return OrderAssembly.Finish(channel, g.ExternalId, customerId, currency, lines.ToImmutable(), address, payment, charges, _rules, paid, placedAt) switch
        {
            Refused r => r with { Reason = where + r.Reason },
            var mapped => mapped,
        };
    }

    private static Columns? Header(CsvRecord header, out string? problem)
    {
        problem = header.Error;
        if (problem is not null) return null;
        var known = RequiredColumns.Concat(OptionalColumns).ToArray();
        var p = new Problems();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Fields.Count; i++)
        {
            var raw = header.Fields[i].Trim();
            var name = known.FirstOrDefault(k => string.Equals(k, raw, StringComparison.OrdinalIgnoreCase));
            if (name is null) p.Add("", $"unknown column {Amounts.Quote(raw)} (columns are {string.Join(", ", known)})");
            else if (!index.TryAdd(name, i)) p.Add("", $"column {name} appears twice");
        }
        var missing = RequiredColumns.Where(c => !index.ContainsKey(c)).ToList();
        if (missing.Count > 0) p.Add("", "missing required column(s) " + string.Join(", ", missing));
        if (p.Any)
        {
            problem = p.Join();
            return null;
        }
        return new Columns(index, header.Fields.Count, CsvText.Join(header.Fields));
    }

    private sealed class Columns(Dictionary<string, int> index, int count, string headerText)
    {
        public int Count => count;
        public string HeaderText => headerText;
        public IEnumerable<string> Names => index.Keys;
        public bool Has(string name) => index.ContainsKey(name);
        public int Index(string name) => index[name];
    }

    private sealed record Row(long Line, IReadOnlyList<string> Fields, string? Error);

    /// <summary>The rows of one order so far, kept only up to the most lines an order may have.</summary>
    private sealed class Group(string externalId, int maxLines)
    {
        public string ExternalId { get; } = externalId;
        public List<Row> Rows { get; } = [];
        public int RowCount { get; private set; }
        public long FirstLine { get; private set; }
        public long LastLine { get; private set; }

        public void Add(Row row)
        {
            if (RowCount++ == 0) FirstLine = row.Line;
            LastLine = row.Line;
            if (Rows.Count <= maxLines) Rows.Add(row);
        }
    }
}
