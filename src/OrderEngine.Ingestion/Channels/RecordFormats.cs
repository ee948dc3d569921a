using System.Runtime.CompilerServices;
using System.Text.Json;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Adapters;

namespace OrderEngine.Ingestion.Channels;

/// <summary>
/// The formats a record can arrive in, by name: <c>ndjson</c>, <c>csv</c>, <c>shopify:{shop}</c>, <c>woocommerce:{store}</c>,
/// <c>amazon:{sellerId}</c> (an SP-API order with its item pages: <c>{"order": getOrder, "orderItems": [getOrderItems, …]}</c>).
/// The name travels with a quarantined record, so a retry reads it the same way.
/// </summary>
public static class RecordFormats
{
    public const string Ndjson = "ndjson";
    public const string Csv = "csv";

    public static string Shopify(string shop) => "shopify:" + shop.ToLowerInvariant();

    public static string WooCommerce(string store) => "woocommerce:" + store;

    public static string Amazon(string sellerId) => "amazon:" + sellerId;

    /// <summary>True for a format name this node can read.</summary>
    public static bool IsKnown(string format) =>
        format is Ndjson or Csv || format.StartsWith("shopify:", StringComparison.Ordinal) || format.StartsWith("woocommerce:", StringComparison.Ordinal)
        || format.StartsWith("amazon:", StringComparison.Ordinal);

    /// <summary>The format of a feed body from its media type, or null when it is not one a feed may have.</summary>
    public static string? OfMediaType(string? contentType)
    {
        var media = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        return media switch
        {
            "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/json-lines" or "application/jsonlines" => Ndjson,
            "text/csv" => Csv,
            _ => null,
        };
    }

    /// <summary>The format of an inbox file from its extension, or null when the file is not a feed.</summary>
    public static string? OfFileName(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".ndjson" or ".jsonl" => Ndjson,
        ".csv" => Csv,
        _ => null,
    };

    /// <summary>Reads a payload in the named format, record by record as it arrives.</summary>
    /// <param name="channel">The channel the payload arrived on; a canonical record that names no channel takes it.</param>
    /// <param name="customerIds">Derives the customer id of a buyer a channel knows only by email, and of a canonical record whose customerId is an email (never the email in clear); without it such orders are refused.</param>
    public static async IAsyncEnumerable<AdapterResult> ReadAsync(string format, TextReader reader, OrderRules rules, string? channel = null,
        [EnumeratorCancellation] CancellationToken ct = default, CustomerIdPseudonymizer? customerIds = null)
    {
        switch (format)
        {
            case Ndjson:
                await foreach (var r in new CanonicalNdjsonAdapter(rules, channel: channel, customerIds: customerIds).ReadAsync(reader, ct)) yield return r;
                break;
            case Csv:
                await foreach (var r in new CanonicalCsvAdapter(rules, channel: channel, customerIds: customerIds).ReadAsync(reader, ct)) yield return r;
                break;
            default:
                foreach (var r in Read(format, await reader.ReadToEndAsync(ct), rules, channel, customerIds)) yield return r;
                break;
        }
    }

    /// <summary>Reads a whole payload (a webhook body, a message, a stored quarantine record) in the named format.</summary>
    /// <param name="channel">The channel the payload arrived on; a canonical record that names no channel takes it.</param>
    /// <param name="customerIds">Derives the customer id of a buyer a channel knows only by email, and of a canonical record whose customerId is an email (never the email in clear); without it such orders are refused.</param>
    public static IReadOnlyList<AdapterResult> Read(string format, string payload, OrderRules rules, string? channel = null, CustomerIdPseudonymizer? customerIds = null)
    {
        if (format.StartsWith("shopify:", StringComparison.Ordinal)) return new ShopifyAdapter(format["shopify:".Length..], rules, customerIds).Read(payload);
        if (format.StartsWith("woocommerce:", StringComparison.Ordinal)) return new WooCommerceAdapter(format["woocommerce:".Length..], rules, customerIds).Read(payload);
        if (format.StartsWith("amazon:", StringComparison.Ordinal)) return [ReadAmazon(format["amazon:".Length..], payload, rules, customerIds)];
        if (format is not (Ndjson or Csv)) throw new ArgumentException($"unknown record format '{format}'", nameof(format));
        var results = ReadAsync(format, new StringReader(payload), rules, channel, customerIds: customerIds).ToBlockingEnumerable().ToList();
        return format == Ndjson ? results.Select(r => r with { Raw = r.Raw ?? payload }).ToList() : results;
    }

    /// <summary>
    /// Amazon does not push orders: a poller (or an SP-API notification handler) fetches getOrder and getOrderItems and
    /// hands both over as one record, <c>{"order": …, "orderItems": [page, …]}</c>.
    /// </summary>
    private static AdapterResult ReadAmazon(string sellerId, string payload, OrderRules rules, CustomerIdPseudonymizer? customerIds)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(payload);
        }
        catch (JsonException e)
        {
            return new Refused(null, "not valid JSON: " + e.Message);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("order", out var order))
                return new Refused(null, "expected {\"order\": <getOrder response>, \"orderItems\": [<getOrderItems responses>]}");
            if (!root.TryGetProperty("orderItems", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
                return new Refused(null, "orderItems: expected an array of at least one getOrderItems response (every page, in order)");
            return new AmazonAdapter(sellerId, rules, customerIds: customerIds).Map(order, [.. items.EnumerateArray()]);
        }
    }
}
