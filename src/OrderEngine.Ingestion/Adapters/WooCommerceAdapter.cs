using System.Globalization;
using System.Text;
using System.Text.Json;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Adapters.Support;
using static OrderEngine.Ingestion.Adapters.Support.JsonFields;

namespace OrderEngine.Ingestion.Adapters;

/// <summary>
/// Maps WooCommerce REST API v3 orders to placements. An <c>order.created</c> webhook body is the same object
/// ("exactly the same as if requested via the REST API").
/// </summary>
/// <remarks>
/// <para>The money model. WooCommerce stores line and shipping amounts net of tax whatever <c>prices_include_tax</c>
/// says (that flag only tells how the merchant entered prices), and keeps tax apart:</para>
/// <list type="bullet">
/// <item>unit price = <c>line_items[].subtotal</c> / quantity: the line before discounts (it must come to a whole number of
/// minor units per unit, the engine prices lines per unit);</item>
/// <item>not <c>line_items[].price</c>: WooCommerce computes it as total / quantity, i.e. after discounts, and sends it as a
/// JSON number that may be a rounded float; it is only cross-checked against total / quantity when that is exact;</item>
/// <item>shipping = <c>shipping_total</c>, tax = <c>total_tax</c> (cart tax + shipping tax), discount = <c>discount_total</c>
/// (net of tax, like the subtotals);</item>
/// <item>check: Σ subtotal + shipping_total + total_tax − discount_total must equal <c>total</c> exactly.</item>
/// </list>
/// <para>Fee lines are part of <c>total</c> but have no place in the engine's charges: an order with a non-zero fee is refused.</para>
/// </remarks>
public sealed class WooCommerceAdapter
{
    public const string Channel = "woocommerce";

    /// <summary>Statuses of orders that do not stand (or never stood) and so are not placed.</summary>
    private static readonly HashSet<string> DeadStatuses = new(StringComparer.Ordinal) { "cancelled", "refunded", "failed", "trash", "checkout-draft" };

    private readonly OrderRules _rules;
    private readonly CustomerIdPseudonymizer? _customerIds;

    /// <param name="store">The store the orders come from (e.g. <c>example.com</c>); it prefixes external and customer ids.</param>
    /// <param name="rules">The engine's rules the mapped placement must pass; <see cref="OrderRules.Default"/> when null.</param>
    /// <param name="customerIds">Derives the customer id of a guest known only by email; without it such an order is refused.</param>
    public WooCommerceAdapter(string store, OrderRules? rules = null, CustomerIdPseudonymizer? customerIds = null)
    {
        _customerIds = customerIds;
        Store = OrderAssembly.Account(store, nameof(store), lowerCase: true);
        _rules = rules ?? OrderRules.Default;
    }

    /// <summary>The store name, lower-cased.</summary>
    public string Store { get; }

    /// <summary>Maps a payload as WooCommerce sends it: an order object (retrieve, webhook) or an array of them (list).</summary>
    public IReadOnlyList<AdapterResult> Read(string json)
    {
        using var doc = Parse(json, out var error);
        return doc is null ? [new Refused(null, error!)] : Read(doc.RootElement);
    }

    /// <inheritdoc cref="Read(string)"/>
    public IReadOnlyList<AdapterResult> Read(ReadOnlyMemory<byte> utf8Json)
    {
        using var doc = Parse(utf8Json, out var error);
        return doc is null ? [new Refused(null, error!)] : Read(doc.RootElement);
    }

    /// <inheritdoc cref="Read(string)"/>
    public IReadOnlyList<AdapterResult> Read(JsonElement payload) => payload.ValueKind switch
    {
        JsonValueKind.Array => payload.EnumerateArray()
            .Select((o, i) => Map(o) switch
            {
                Refused { ExternalId: null } r => r with { Reason = $"[{i}]: {r.Reason}" },
                var mapped => mapped,
            })
            .ToList(),
        JsonValueKind.Object => [Map(payload)],
        _ => [new Refused(null, "payload: expected an order object or an array of them, found " + Kind(payload))],
    };

    /// <summary>Maps one order object.</summary>
    public AdapterResult Map(JsonElement order)
    {
        try
        {
            return MapOrder(order);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            return new Refused(null, "unreadable order: " + e.Message);
        }
    }

    private AdapterResult MapOrder(JsonElement order)
    {
        if (order.ValueKind != JsonValueKind.Object) return new Refused(null, "expected an order object, found " + Kind(order));
        var p = new Problems();
        var id = Id(order, "id", "id", p);
        if (id is null) return new Refused(null, p.Join());
        var externalId = $"{Store}/{id}";
        if (Text(order, "status", "status", p) is { } status && DeadStatuses.Contains(status))
            return new Refused(externalId, $"status: '{status}' orders are not placed");

        var currency = Currency(order, "currency", "currency", p);
        var customerId = CustomerId(order, id, p);
        var drafts = Lines(order, currency, p);
        var shipping = Money(order, "shipping_total", "shipping_total", p, currency, required: true);
        var tax = Money(order, "total_tax", "total_tax", p, currency, required: true);
        var discount = Money(order, "discount_total", "discount_total", p, currency, required: true);
        var total = Money(order, "total", "total", p, currency, required: true);
        Bool(order, "prices_include_tax", "prices_include_tax", p); // read for its kind only: amounts are net of tax either way
        Fees(order, p);
        var address = ShippingAddress(order, p);
        var payment = PaymentMethodOf(Text(order, "payment_method", "payment_method", p));
        // WooCommerce writes each time twice: in the store's zone (date_created) and in UTC without an offset (date_created_gmt).
        var placedAt = Time(order, "date_created_gmt", "date_created_gmt", p, utcWithoutOffset: true);
        if (p.Any || currency is null || customerId is null || shipping is null || tax is null || discount is null || total is null)
            return new Refused(externalId, p.Join());

        var charges = new OrderCharges(shipping.Value, tax.Value, discount.Value);
        OrderAssembly.CheckTotal(OrderAssembly.LinesTotal(drafts), charges, total.Value, "total", currency, p);
        if (p.Any) return new Refused(externalId, p.Join());
        var paid = PaidAtStore(order, payment, externalId, currency, total.Value, p);
        if (p.Any) return new Refused(externalId, p.Join());
        return OrderAssembly.Finish(Channel, externalId, customerId, currency, OrderAssembly.AsSent(drafts), address, payment, charges, _rules,
            paid, placedAt);
    }

    /// <summary>
    /// A registered customer is "&lt;store&gt;/customers/&lt;customer_id&gt;" (ids are per store); a guest (customer_id 0) is
    /// the pseudonym of the billing email (<see cref="CustomerIdPseudonymizer"/>, never the email in clear); without either, a guest of the store, one per order ("&lt;store&gt;/guests/&lt;id&gt;").
    /// </summary>
    private string? CustomerId(JsonElement order, string orderId, Problems p)
    {
        var customer = Get(order, "customer_id");
        if (customer is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var number) && number > 0)
            return $"{Store}/customers/{number.ToString(CultureInfo.InvariantCulture)}";
        if (customer is { } c && !(c.ValueKind == JsonValueKind.Number && c.TryGetInt64(out var zero) && zero == 0))
        {
            p.Add("customer_id", "expected a customer number, found " + Kind(c));
            return null;
        }
        if (Object(order, "billing", "billing", p) is { } billing && Text(billing, "email", "billing.email", p) is { } email)
            return OrderAssembly.EmailCustomerId(_customerIds, email, "billing.email", p);
        // A guest without an email (a store that does not require one): a guest of this store, one per order.
        return OrderAssembly.GuestCustomerId(Store, orderId);
    }

    /// <summary>
    /// The payment the store's checkout collected: WooCommerce sets <c>date_paid_gmt</c> once a gateway reported the order
    /// paid (it then moves to processing). Such an order carries its <c>total</c> as paid at the channel, referenced by the
    /// gateway's <c>transaction_id</c> (or, when the gateway gave none, the order itself), with the gateway as its method.
    /// Cash on delivery is never paid at checkout, whatever the date says.
    /// </summary>
    private static ChannelPayment? PaidAtStore(JsonElement order, PaymentMethod method, string externalId, string currency, decimal total, Problems p)
    {
        if (method == PaymentMethod.CashOnDelivery || total <= 0m) return null;
        if (Time(order, "date_paid_gmt", "date_paid_gmt", p, utcWithoutOffset: true) is null) return null;
        var reference = OrderAssembly.Clean(Text(order, "transaction_id", "transaction_id", p)) ?? externalId;
        var gateway = OrderAssembly.Clean(Text(order, "payment_method_title", "payment_method_title", p))
            ?? OrderAssembly.Clean(Text(order, "payment_method", "payment_method", p)) ?? "woocommerce";
        return new ChannelPayment(gateway.Length <= 64 ? gateway : gateway[..64], total, currency, reference.Length <= 128 ? reference : reference[..128]);
    }

    private static List<LineDraft> Lines(JsonElement order, string? currency, Problems p)
    {
        var drafts = new List<LineDraft>();
        if (Array(order, "line_items", "line_items", p, required: true) is not { } items) return drafts;
        if (items.GetArrayLength() == 0) p.Add("line_items", "the order has no line items");
        var i = 0;
        foreach (var item in items.EnumerateArray())
        {
            var at = $"line_items[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                p.Add(at, "expected a line item object, found " + Describe(item));
                continue;
            }
            var sku = Sku(item, "sku", $"{at}.sku", p);
            var quantity = Quantity(item, "quantity", $"{at}.quantity", p);
            var subtotal = Money(item, "subtotal", $"{at}.subtotal", p, currency, required: true);
            var lineTotal = Money(item, "total", $"{at}.total", p, currency, required: true);
            // price is derived (total / quantity) and may be a float such as 3.3333333333333335: its syntax is checked, not its scale.
            var price = Money(item, "price", $"{at}.price", p, currency: null, required: false, allowNumber: true);
            if (quantity is not { } q || subtotal is not { } sub || lineTotal is not { } tot || currency is null) continue;
            if (price is { } pr && Amounts.TryUnitPrice(tot, q, currency, out var expected) && pr != expected)
                p.Add($"{at}.price", $"{pr.ToString(CultureInfo.InvariantCulture)} disagrees with total / quantity ({Amounts.Format(expected, currency)})");
            if (!Amounts.TryUnitPrice(sub, q, currency, out var unit))
            {
                p.Add($"{at}.subtotal", $"{Amounts.Format(sub, currency)} for {q} units is not a whole number of {currency} minor units per unit");
                continue;
            }
            if (sku is not null) drafts.Add(new LineDraft(at, sku, q, unit));
        }
        return drafts;
    }

    private static void Fees(JsonElement order, Problems p)
    {
        if (Array(order, "fee_lines", "fee_lines", p) is not { } fees) return;
        var i = 0;
        foreach (var fee in fees.EnumerateArray())
        {
            var at = $"fee_lines[{i++}]";
            // Fees may be negative (some plugins discount through them), so the text is read as a signed amount here.
            var text = Get(fee, "total") is { ValueKind: JsonValueKind.String } t ? t.GetString()! : null;
            if (text is null || !Amounts.TryParse(text, out var amount))
                p.Add($"{at}.total", (text is null ? "missing" : Amounts.Quote(text) + " is not a decimal amount"));
            else if (amount != 0m)
                p.Add(at, $"a fee of {text}{(Get(fee, "name") is { ValueKind: JsonValueKind.String } n ? " (" + Amounts.Quote(n.GetString()!) + ")" : "")} has no place in the engine's charges (shipping, tax, discount)");
        }
    }

    private static Address? ShippingAddress(JsonElement order, Problems p)
    {
        if (Object(order, "shipping", "shipping", p) is not { } a) return null;
        const string at = "shipping";
        var billingPhone = Object(order, "billing", "billing", p) is { } b ? Text(b, "phone", "billing.phone", p) : null;
        var address = OrderAssembly.AddressOrNull(new Address(
            OrderAssembly.Join(" ", Text(a, "first_name", $"{at}.first_name", p), Text(a, "last_name", $"{at}.last_name", p)),
            OrderAssembly.Clean(Text(a, "address_1", $"{at}.address_1", p)),
            OrderAssembly.Clean(Text(a, "address_2", $"{at}.address_2", p)),
            OrderAssembly.Clean(Text(a, "city", $"{at}.city", p)),
            OrderAssembly.Clean(Text(a, "state", $"{at}.state", p)),
            OrderAssembly.Clean(Text(a, "postcode", $"{at}.postcode", p)),
            OrderAssembly.Country(Text(a, "country", $"{at}.country", p), $"{at}.country", p),
            null));
        // The delivery contact: shipping.phone where the store collects it (WooCommerce 5.6+), else the billing phone.
        return address is null ? null : address with { Phone = OrderAssembly.Clean(Text(a, "phone", $"{at}.phone", p)) ?? OrderAssembly.Clean(billingPhone) };
    }

    /// <summary>
    /// Payment gateway ids: "cod" → CashOnDelivery; "bacs" (direct bank transfer) and "cheque" (settled by hand) →
    /// BankTransfer; ids with "alipay" → Alipay, "wechat"/"weixin" → WeChatPay, "gift" + "card" → GiftCard; everything
    /// else ("stripe", "paypal", "ppcp-gateway", "woocommerce_payments", …) and none at all → Card.
    /// </summary>
    internal static PaymentMethod PaymentMethodOf(string? gateway)
    {
        var g = (gateway ?? "").Trim().ToLowerInvariant();
        return g switch
        {
            "cod" => PaymentMethod.CashOnDelivery,
            "bacs" or "cheque" => PaymentMethod.BankTransfer,
            _ when g.Contains("alipay", StringComparison.Ordinal) => PaymentMethod.Alipay,
            _ when g.Contains("wechat", StringComparison.Ordinal) || g.Contains("weixin", StringComparison.Ordinal) => PaymentMethod.WeChatPay,
            _ when g.Contains("gift", StringComparison.Ordinal) && g.Contains("card", StringComparison.Ordinal) => PaymentMethod.GiftCard,
            _ => PaymentMethod.Card,
        };
    }
}

/// <summary>Verifies WooCommerce's webhook signature: header <c>X-WC-Webhook-Signature</c> = base64(HMAC-SHA256(secret, raw body)).</summary>
public static class WooCommerceWebhook
{
    public const string SignatureHeader = "X-WC-Webhook-Signature";

    /// <summary>True only when the header is the signature of these exact body bytes; compared in constant time.</summary>
    /// <param name="secret">
    /// The webhook's secret as WooCommerce uses it (after its HTML-entity decoding). WooCommerce signs with an empty secret
    /// too, so an empty one verifies as WooCommerce computes it; configure a real one.
    /// </param>
    /// <param name="rawBody">The body exactly as received.</param>
    /// <param name="headerValue">The <see cref="SignatureHeader"/> value; null or malformed is simply not verified.</param>
    public static bool Verify(string secret, ReadOnlySpan<byte> rawBody, string? headerValue)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return HmacSignature.VerifyBase64Sha256(secret, rawBody, headerValue);
    }

    /// <summary>For a body held as text: its UTF-8 bytes are what WooCommerce signed.</summary>
    public static bool Verify(string secret, string rawBody, string? headerValue) => Verify(secret, Encoding.UTF8.GetBytes(rawBody), headerValue);
}
