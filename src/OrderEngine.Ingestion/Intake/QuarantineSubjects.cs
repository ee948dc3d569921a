using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Adapters.Support;
using OrderEngine.Ingestion.Channels;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// The customers a quarantined payload belongs to, best effort and never failing: the customer id its adapter gives (or
/// would give: a bad record is read here leniently, field by field, with the id rules of each adapter), and the
/// pseudonymous <c>email:</c> id (<see cref="CustomerIdPseudonymizer"/>) of every email address anywhere in it, so a data
/// subject request by email (GET /api/customers/id-of) reaches it. Nothing here is stored but the ids.
/// </summary>
public static partial class QuarantineSubjects
{
    /// <summary>At most this many customers per record (a payload listing thousands of addresses is not one person's).</summary>
    public const int MaxSubjects = 64;

    private const int MaxCustomerIdLength = 128;

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Email();

    /// <param name="channel">The channel the record arrived on.</param>
    /// <param name="source">Its source (<c>feed/ndjson</c>, <c>webhook/shopify:{shop}</c>…): the format tells how to read it.</param>
    /// <param name="payload">The record as stored.</param>
    /// <param name="customerId">The customer id its adapter gave, when it mapped (the engine refused it).</param>
    /// <param name="customerIds">Makes the pseudonyms of emails; without it emails link nothing.</param>
    public static IReadOnlyCollection<string> Of(string channel, string source, string payload, string? customerId, CustomerIdPseudonymizer? customerIds)
    {
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        void Add(string? id)
        {
            // A caller's customer id may be an email: it is linked by its pseudonym, never stored in clear here.
            if (id is not null && LooksLikeEmail(id)) id = customerIds?.OfEmail(id);
            if (!string.IsNullOrWhiteSpace(id) && id.Length <= MaxCustomerIdLength && subjects.Count < MaxSubjects) subjects.Add(id);
        }
        Add(customerId);
        try
        {
            foreach (var id in AdapterCustomerIds(channel, IntakeSource.Parse(source).Format, payload)) Add(id);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            // best effort: a payload that cannot be read links only what was found before and its emails
        }
        if (customerIds is null) return subjects;
        try
        {
            foreach (Match m in Email().Matches(payload))
            {
                if (subjects.Count >= MaxSubjects) break;
                Add(customerIds.OfEmail(m.Value));
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // a pathological payload: the emails found so far are linked
        }
        return subjects;
    }

    /// <summary>True for a customer id that holds an email (an <c>@</c>): the quarantine links it by its pseudonym.</summary>
    public static bool LooksLikeEmail(string customerId) => customerId.Contains('@', StringComparison.Ordinal);

    private static IEnumerable<string> AdapterCustomerIds(string channel, string format, string payload)
    {
        if (format.StartsWith("shopify:", StringComparison.Ordinal)) return FromJson(payload, root => Shopify(format["shopify:".Length..], root));
        if (format.StartsWith("woocommerce:", StringComparison.Ordinal)) return FromJson(payload, root => WooCommerce(format["woocommerce:".Length..], root));
        if (format.StartsWith("amazon:", StringComparison.Ordinal)) return FromJson(payload, root => Amazon(format["amazon:".Length..], root));
        if (format == RecordFormats.Ndjson) return FromJson(payload, root => Ndjson(channel, root));
        if (format == RecordFormats.Csv) return Csv(channel, payload);
        return [];
    }

    private static List<string> FromJson(string payload, Func<JsonElement, IEnumerable<string?>> read)
    {
        using var doc = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 64 });
        return read(doc.RootElement).Where(id => id is not null).Select(id => id!).ToList();
    }

    private static JsonElement? Get(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? v : null;

    private static string? IdText(JsonElement? v) => v switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var i) && i > 0 => i.ToString(CultureInfo.InvariantCulture),
        { ValueKind: JsonValueKind.String } s when !string.IsNullOrWhiteSpace(s.GetString()) => s.GetString()!.Trim(),
        _ => null,
    };

    private static bool HasText(JsonElement? obj, string name) =>
        obj is { } o && Get(o, name) is { ValueKind: JsonValueKind.String } s && !string.IsNullOrWhiteSpace(s.GetString());

    /// <summary>As <c>ShopifyAdapter</c>: <c>{shop}/customers/{customer.id}</c>; without a customer record or email, <c>{shop}/guests/{id}</c>.</summary>
    private static IEnumerable<string?> Shopify(string shop, JsonElement root)
    {
        IEnumerable<JsonElement> orders = Get(root, "orders") is { ValueKind: JsonValueKind.Array } list ? list.EnumerateArray()
            : Get(root, "order") is { ValueKind: JsonValueKind.Object } inner && Get(root, "id") is null ? [inner]
            : [root];
        foreach (var order in orders)
        {
            var customer = Get(order, "customer");
            if (customer is { ValueKind: JsonValueKind.Object } c && IdText(Get(c, "id")) is { } customerId)
                yield return $"{shop}/customers/{customerId}";
            else if (!HasText(order, "email") && !HasText(order, "contact_email") && !HasText(customer, "email") && IdText(Get(order, "id")) is { } id)
                yield return OrderAssembly.GuestCustomerId(shop, id);
        }
    }

    /// <summary>As <c>WooCommerceAdapter</c>: <c>{store}/customers/{customer_id}</c>; a guest without a billing email, <c>{store}/guests/{id}</c>.</summary>
    private static IEnumerable<string?> WooCommerce(string store, JsonElement root)
    {
        IEnumerable<JsonElement> orders = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray() : [root];
        foreach (var order in orders)
        {
            if (Get(order, "customer_id") is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var number) && number > 0)
                yield return $"{store}/customers/{number.ToString(CultureInfo.InvariantCulture)}";
            else if (!HasText(Get(order, "billing"), "email") && IdText(Get(order, "id")) is { } id)
                yield return OrderAssembly.GuestCustomerId(store, id);
        }
    }

    /// <summary>As <c>AmazonAdapter</c>: a buyer without BuyerEmail is <c>{seller}/buyer-of/{AmazonOrderId}</c>.</summary>
    private static IEnumerable<string?> Amazon(string sellerId, JsonElement root)
    {
        var order = Get(root, "order") ?? root;
        if (Get(order, "payload") is { ValueKind: JsonValueKind.Object } inner) order = inner;
        if (!HasText(Get(order, "BuyerInfo"), "BuyerEmail") && !HasText(order, "BuyerEmail") && IdText(Get(order, "AmazonOrderId")) is { } id)
            yield return $"{sellerId}/buyer-of/{id}";
    }

    /// <summary>As the canonical feeds: <c>customerId</c> as given, else a guest of the channel, one per order.</summary>
    private static IEnumerable<string?> Ndjson(string channel, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) yield break;
        string? Field(string name) => root.EnumerateObject()
            .Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
            .Select(p => p.Value.GetString()).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
        yield return CanonicalCustomerId(Field("customerId"), Field("channel") ?? channel, Field("externalId"));
    }

    private static IEnumerable<string> Csv(string channel, string payload)
    {
        var records = CsvRecords.ReadAsync(new StringReader(payload), 1024 * 1024).ToBlockingEnumerable().Where(r => !r.Blank && r.Error is null).Take(2).ToList();
        if (records.Count < 2) return [];
        var header = records[0].Fields.Select(f => f.Trim()).ToList();
        string? Field(string name)
        {
            var i = header.FindIndex(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            return i >= 0 && i < records[1].Fields.Count && !string.IsNullOrWhiteSpace(records[1].Fields[i]) ? records[1].Fields[i] : null;
        }
        return CanonicalCustomerId(Field("customerId"), Field("channel") ?? channel, Field("externalId")) is { } id ? [id] : [];
    }

    /// <summary>
    /// The canonical feeds' customer id; an email given as the id is left to the email scan, which links its pseudonym
    /// (this reads without the pseudonymizer).
    /// </summary>
    private static string? CanonicalCustomerId(string? value, string channel, string? externalId) =>
        CustomerEmails.IsEmail(value) ? null : Canonical.CustomerId(value, channel, externalId, null, "customerId", new Problems());
}
