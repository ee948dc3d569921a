using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.Json;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Adapters.Support;

namespace OrderEngine.Ingestion.Adapters;

/// <summary>
/// Reads OrderEngine's own feed: newline-delimited JSON, one order per line, in the shape of the POST /api/orders body
/// (channel, customerId, currency, lines[{sku, quantity, unitPrice}], shippingAddress, paymentMethod, charges) plus a
/// required <c>externalId</c>, from which the order id is derived, and two fields only a channel has: <c>placedAt</c> (the
/// channel's own order time) and <c>payment</c> ({amount, currency, reference, method?}: what the channel already
/// collected, so the order arrives paid). <c>channel</c> may be left out: the record then takes the feed's channel.
/// Without <c>customerId</c> the order is a guest's, one per order ("&lt;channel&gt;/guests/&lt;externalId&gt;").
/// A <c>customerId</c> that is an email is kept as its pseudonym (<c>email:</c> + a keyed digest; see <see cref="OrderEngine.Engine.PersonalData.CustomerEmails"/>),
/// never in clear, as in the API.
/// </summary>
/// <remarks>
/// As in the API: property names match case-insensitively, payment methods are the camelCase enum names, amounts are JSON
/// numbers (a string is not an amount), and a missing member of <c>charges</c> counts as 0. Stricter than the API, because
/// nobody is there to read a 400: an unknown property is refused (a misspelt "shiping" would otherwise be a silent 0),
/// and so is an <c>id</c> (a feed record's id is derived from channel and externalId). Blank lines are skipped.
/// </remarks>
public sealed class CanonicalNdjsonAdapter
{
    /// <summary>The longest line read; a longer one is refused without being held in memory.</summary>
    public const int DefaultMaxLineLength = 1 << 20;

    private static readonly string[] OrderFields =
        ["id", "externalId", "channel", "customerId", "currency", "lines", "shippingAddress", "paymentMethod", "charges", "payment", "placedAt"];
    private static readonly string[] LineFields = ["sku", "quantity", "unitPrice"];
    private static readonly string[] AddressFields = ["name", "line1", "line2", "city", "region", "postalCode", "country", "phone"];
    private static readonly string[] ChargeFields = ["shipping", "tax", "discount"];
    private static readonly string[] PaymentFields = ["amount", "currency", "reference", "method"];

    private readonly OrderRules _rules;
    private readonly int _maxLineLength;
    private readonly string? _channel;
    private readonly CustomerIdPseudonymizer? _customerIds;

    /// <param name="channel">The channel the feed arrived on (the URL's, the inbox folder's, the queue's): the channel of a record that names none.</param>
    public CanonicalNdjsonAdapter(OrderRules? rules = null, int maxLineLength = DefaultMaxLineLength, string? channel = null, CustomerIdPseudonymizer? customerIds = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 2);
        _rules = rules ?? OrderRules.Default;
        _maxLineLength = maxLineLength;
        _channel = channel;
        _customerIds = customerIds;
    }

    /// <summary>Reads the feed line by line as it arrives, one result per non-blank line; the whole feed is never held.</summary>
    public async IAsyncEnumerable<AdapterResult> ReadAsync(TextReader reader, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var lines = new LineReader(reader, _maxLineLength);
        while (await lines.ReadAsync(ct).ConfigureAwait(false) is { } line)
        {
            ct.ThrowIfCancellationRequested();
            if (line.TooLong)
            {
                yield return new Refused(null, $"line {line.Number}: longer than {_maxLineLength} characters") { Raw = "" };
                continue;
            }
            if (string.IsNullOrWhiteSpace(line.Text)) continue;
            yield return MapLine(line.Text!, line.Number) with { Raw = line.Text };
        }
    }

    /// <summary>Maps one line of the feed; <paramref name="lineNumber"/> prefixes every reason.</summary>
    public AdapterResult MapLine(string json, long lineNumber)
    {
        var at = $"line {lineNumber}: ";
        using var doc = JsonFields.Parse(json, out var error);
        if (doc is null) return new Refused(null, at + error);
        try
        {
            return Map(doc.RootElement, at);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            return new Refused(null, at + "unreadable record: " + e.Message);
        }
    }

    private AdapterResult Map(JsonElement root, string at)
    {
        if (root.ValueKind != JsonValueKind.Object) return new Refused(null, at + "expected an order object, found " + JsonFields.Kind(root));
        var p = new Problems();
        var o = Fields(root, "", OrderFields, p);
        var externalId = Canonical.ExternalId(String(o, "externalId", p), "externalId", p);
        if (o.ContainsKey("id")) p.Add("id", "a feed record is identified by channel and externalId; leave id out");
        var channel = Canonical.Channel(String(o, "channel", p) ?? _channel, "channel", p);
        var customerId = Canonical.CustomerId(String(o, "customerId", p), channel, externalId, _customerIds, "customerId", p);
        var currency = Canonical.Currency(String(o, "currency", p), "currency", p);

        var lines = ImmutableArray.CreateBuilder<OrderLineRequest>();
        if (!o.TryGetValue("lines", out var linesElement)) p.Add("lines", "missing");
        else if (linesElement.ValueKind != JsonValueKind.Array) p.Add("lines", "expected an array, found " + JsonFields.Describe(linesElement));
        else
        {
            var i = 0;
            foreach (var line in linesElement.EnumerateArray())
            {
                var path = $"lines[{i++}]";
                if (line.ValueKind != JsonValueKind.Object)
                {
                    p.Add(path, "expected a line object, found " + JsonFields.Describe(line));
                    continue;
                }
                var l = Fields(line, path + ".", LineFields, p);
                var sku = Canonical.Sku(String(l, "sku", p, path + "."), $"{path}.sku", p);
                var quantity = Quantity(l, "quantity", $"{path}.quantity", p);
                var unitPrice = Amount(l, "unitPrice", $"{path}.unitPrice", p, currency, required: true);
                if (sku is not null && quantity is not null && unitPrice is not null) lines.Add(new OrderLineRequest(sku, quantity.Value, unitPrice.Value));
            }
            if (i == 0) p.Add("lines", "an order needs at least one line");
        }

        Address? address = null;
        if (o.TryGetValue("shippingAddress", out var a) && a.ValueKind != JsonValueKind.Null)
        {
            if (a.ValueKind != JsonValueKind.Object) p.Add("shippingAddress", "expected an object, found " + JsonFields.Kind(a));
            else
            {
                var f = Fields(a, "shippingAddress.", AddressFields, p);
                string? S(string name) => String(f, name, p, "shippingAddress.");
                address = OrderAssembly.AddressOrNull(new Address(S("name"), S("line1"), S("line2"), S("city"), S("region"), S("postalCode"), S("country"), S("phone")));
            }
        }

        var payment = PaymentMethod.Card;
        if (String(o, "paymentMethod", p) is { } methodName) payment = Canonical.PaymentMethodOf(methodName, "paymentMethod", p) ?? payment;

        var charges = OrderCharges.None;
        if (o.TryGetValue("charges", out var c) && c.ValueKind != JsonValueKind.Null)
        {
            if (c.ValueKind != JsonValueKind.Object) p.Add("charges", "expected an object, found " + JsonFields.Describe(c));
            else
            {
                var f = Fields(c, "charges.", ChargeFields, p);
                charges = new OrderCharges(
                    Amount(f, "shipping", "charges.shipping", p, currency) ?? 0m,
                    Amount(f, "tax", "charges.tax", p, currency) ?? 0m,
                    Amount(f, "discount", "charges.discount", p, currency) ?? 0m);
            }
        }

        ChannelPayment? paid = null;
        if (o.TryGetValue("payment", out var pay) && pay.ValueKind != JsonValueKind.Null)
        {
            if (pay.ValueKind != JsonValueKind.Object) p.Add("payment", "expected an object, found " + JsonFields.Describe(pay));
            else
            {
                var f = Fields(pay, "payment.", PaymentFields, p);
                var amount = Amount(f, "amount", "payment.amount", p, currency, required: true);
                var payCurrency = Canonical.Currency(String(f, "currency", p, "payment."), "payment.currency", p);
                var reference = String(f, "reference", p, "payment.");
                if (reference is null) p.Add("payment.reference", "missing: the channel's reference of the payment (a transaction id)");
                var method = String(f, "method", p, "payment.") ?? Canonical.MethodName(payment);
                if (amount is not null && payCurrency is not null && reference is not null) paid = new ChannelPayment(method, amount.Value, payCurrency, reference);
            }
        }
        DateTimeOffset? placedAt = String(o, "placedAt", p) is { } when ? Amounts.ParseTime(when, "placedAt", p) : null;

        if (p.Any || externalId is null || channel is null || customerId is null || currency is null)
            return new Refused(externalId, at + p.Join());
        return OrderAssembly.Finish(channel, externalId, customerId, currency, lines.ToImmutable(), address, payment, charges, _rules, paid, placedAt) switch
        {
            Refused r => r with { Reason = at + r.Reason },
            var mapped => mapped,
        };
    }

    /// <summary>The object's properties by their canonical names (matched case-insensitively); any other name is a problem.</summary>
    private static Dictionary<string, JsonElement> Fields(JsonElement obj, string prefix, string[] known, Problems p)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var prop in obj.EnumerateObject())
        {
            var name = known.FirstOrDefault(k => string.Equals(k, prop.Name, StringComparison.OrdinalIgnoreCase));
            if (name is null) p.Add(prefix + prop.Name, $"unknown field (expected {string.Join(", ", known.Where(k => k != "id"))})");
            else fields[name] = prop.Value;
        }
        return fields;
    }

    private static string? String(Dictionary<string, JsonElement> fields, string name, Problems p, string prefix = "")
    {
        if (!fields.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String) return string.IsNullOrWhiteSpace(v.GetString()) ? null : v.GetString();
        p.Add(prefix + name, "expected a string, found " + JsonFields.Kind(v)); // names, streets, phones: never the value
        return null;
    }

    private static int? Quantity(Dictionary<string, JsonElement> fields, string name, string path, Problems p)
    {
        if (!fields.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            p.Add(path, "missing");
            return null;
        }
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var q))
        {
            if (q >= 1) return q;
            p.Add(path, $"quantity {q} is not at least 1");
            return null;
        }
        p.Add(path, "expected a whole number of units, found " + JsonFields.Describe(v));
        return null;
    }

    private static decimal? Amount(Dictionary<string, JsonElement> fields, string name, string path, Problems p, string? currency, bool required = false)
    {
        if (!fields.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            if (required) p.Add(path, "missing");
            return null;
        }
        if (v.ValueKind != JsonValueKind.Number)
        {
            p.Add(path, "expected a JSON number, found " + JsonFields.Describe(v));
            return null;
        }
        return JsonFields.Money(v.GetRawText(), path, p, currency);
    }
}
