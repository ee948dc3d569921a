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
/// Maps Shopify Admin REST orders (API 2024-04 and the older shape without <c>*_set</c> fields) to placements. An
/// <c>orders/create</c> webhook body is the same order object, bare.
/// </summary>
/// <remarks>
/// <para>The money model, in the order's shop currency (<c>currency</c>; the top-level amounts are shop money):</para>
/// <list type="bullet">
/// <item>unit price = <c>line_items[].price</c>, the price before any discount (Shopify records line-level discounts in
/// <c>discount_allocations</c>, not in <c>price</c>);</item>
/// <item>shipping = Σ <c>shipping_lines[].price</c>, also before discounts;</item>
/// <item>discount = <c>total_discounts</c>, every discount of the order (line-level allocations and order-level ones);</item>
/// <item>tax = <c>total_tax</c>, or 0 when <c>taxes_included</c> (prices and shipping then already contain it);</item>
/// <item>check: Σ quantity × price + shipping + tax − discount must equal <c>total_price</c> exactly, and Σ quantity ×
/// price must equal <c>total_line_items_price</c> when given.</item>
/// </list>
/// <para>
/// The original figures are used, not <c>current_*</c>: those reflect later edits and refunds (fixture 450789469 is
/// partially refunded: current_total_price 199.65), while a placement is the order as sold; refunds reach the engine as
/// refunds. <c>subtotal_price</c> is not used either: in the 2024-04 fixture it equals total_line_items_price (597.00)
/// although Shopify documents it as after discounts, so it is not a figure to check against. Duties, additional fees
/// and tips are part of <c>total_price</c> but have no place in the engine's charges; an order with any is refused
/// rather than folded into shipping or tax.
/// </para>
/// </remarks>
public sealed class ShopifyAdapter
{
    public const string Channel = "shopify";

    private readonly OrderRules _rules;
    private readonly CustomerIdPseudonymizer? _customerIds;

    /// <param name="shopDomain">The shop the orders come from (e.g. <c>jsmith.myshopify.com</c>); it prefixes external and customer ids.</param>
    /// <param name="rules">The engine's rules the mapped placement must pass; <see cref="OrderRules.Default"/> when null.</param>
    /// <param name="customerIds">Derives the customer id of a buyer known only by email; without it such an order is refused.</param>
    public ShopifyAdapter(string shopDomain, OrderRules? rules = null, CustomerIdPseudonymizer? customerIds = null)
    {
        _customerIds = customerIds;
        Shop = OrderAssembly.Account(shopDomain, nameof(shopDomain), lowerCase: true);
        _rules = rules ?? OrderRules.Default;
    }

    /// <summary>The shop domain, lower-cased.</summary>
    public string Shop { get; }

    /// <summary>Maps a payload as Shopify sends it: <c>{"order": {…}}</c>, <c>{"orders": […]}</c> or a bare order (a webhook body).</summary>
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
    public IReadOnlyList<AdapterResult> Read(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object)
            return [new Refused(null, "payload: expected {\"order\": …}, {\"orders\": […]} or an order object, found " + Kind(payload))];
        if (payload.TryGetProperty("orders", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array) return [new Refused(null, "orders: expected an array, found " + Kind(list))];
            return list.EnumerateArray().Select((o, i) => Prefixed(Map(o), $"orders[{i}]")).ToList();
        }
        return [Map(payload)];
    }

    /// <summary>Maps one order: the bare object or its <c>{"order": {…}}</c> envelope.</summary>
    public AdapterResult Map(JsonElement order)
    {
        try
        {
            if (order.ValueKind == JsonValueKind.Object && !order.TryGetProperty("id", out _) && Get(order, "order") is { ValueKind: JsonValueKind.Object } inner)
                order = inner;
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
        var externalId = $"{Shop}/{id}";

        // An order that no longer stands is not something to reserve stock for.
        if (Get(order, "cancelled_at") is { ValueKind: JsonValueKind.String } cancelledAt)
            p.Add("cancelled_at", $"the order was cancelled ({cancelledAt.GetString()}); a cancelled order is not placed");
        var financialStatus = Text(order, "financial_status", "financial_status", p);
        if (financialStatus is ("refunded" or "voided") and var status)
            p.Add("financial_status", $"'{status}': the order's payment was {status}, there is nothing to place");
        if (p.Any) return new Refused(externalId, p.Join());

        var currency = Currency(order, "currency", "currency", p);
        var customerId = CustomerId(order, id, p);
        var drafts = Lines(order, currency, p);

        decimal shipping = 0m;
        if (Array(order, "shipping_lines", "shipping_lines", p) is { } shippingLines)
        {
            var i = 0;
            foreach (var line in shippingLines.EnumerateArray())
                shipping += Money(line, "price", $"shipping_lines[{i++}].price", p, currency, required: true) ?? 0m;
        }
        var taxesIncluded = Bool(order, "taxes_included", "taxes_included", p) ?? false;
        var totalTax = Money(order, "total_tax", "total_tax", p, currency, required: false) ?? 0m;
        var discount = Money(order, "total_discounts", "total_discounts", p, currency, required: false) ?? 0m;
        var totalPrice = Money(order, "total_price", "total_price", p, currency, required: true);
        var totalLineItems = Money(order, "total_line_items_price", "total_line_items_price", p, currency, required: false);
        CheckSetCurrency(order, "total_price_set", currency, p);

        if ((SetAmount(order, "original_total_duties_set", currency, p) ?? 0m) > 0m)
            p.Add("original_total_duties_set", "the order carries duties, which have no place in the engine's charges (shipping, tax, discount)");
        if ((SetAmount(order, "original_total_additional_fees_set", currency, p) ?? 0m) > 0m)
            p.Add("original_total_additional_fees_set", "the order carries additional fees, which have no place in the engine's charges");
        if ((Money(order, "total_tip_received", "total_tip_received", p, currency, required: false) ?? 0m) > 0m)
            p.Add("total_tip_received", "the order carries a tip, which has no place in the engine's charges");

        var address = ShippingAddress(order, p);
        var payment = PaymentMethodOf(order, p);
        var placedAt = Time(order, "created_at", "created_at", p);
        if (p.Any || currency is null || customerId is null || totalPrice is null) return new Refused(externalId, p.Join());
        // Cash on delivery is collected by the carrier, never at checkout: such an order waits for its cash like any other.
        var paid = payment == PaymentMethod.CashOnDelivery ? null : PaidAtShopify(order, financialStatus, externalId, currency, totalPrice.Value, p);
        if (p.Any) return new Refused(externalId, p.Join());

        var linesTotal = OrderAssembly.LinesTotal(drafts);
        var charges = new OrderCharges(shipping, taxesIncluded ? 0m : totalTax, discount);
        if (totalLineItems is { } tli && tli != linesTotal)
            p.Add("total_line_items_price", $"{Amounts.Format(tli, currency)}, but the line items come to {Amounts.Format(linesTotal, currency)} (sum of quantity x price)");
        OrderAssembly.CheckTotal(linesTotal, charges, totalPrice.Value, "total_price", currency, p);
        if (p.Any) return new Refused(externalId, p.Join());

        return OrderAssembly.Finish(Channel, externalId, customerId, currency, OrderAssembly.AsSent(drafts), address, payment, charges, _rules, paid, placedAt);
    }

    /// <summary>Financial statuses of an order Shopify has charged: the money is with Shopify's gateway, not to be asked for again.</summary>
    private static readonly HashSet<string> ChargedStatuses = new(StringComparer.Ordinal) { "paid", "partially_paid", "partially_refunded" };

    /// <summary>
    /// The payment Shopify collected, for an order whose <c>financial_status</c> is <c>paid</c>, <c>partially_paid</c> or
    /// <c>partially_refunded</c> (it was paid before part of it went back; refunds reach the engine as refunds). Pending,
    /// authorized and unpaid orders carry none and are reserved as before.
    /// <list type="bullet">
    /// <item>With <c>transactions</c> in the payload (a webhook body has none; a poller may add the order's
    /// <c>GET …/orders/{id}/transactions.json</c> list): the amount is the sum of the successful <c>sale</c> and <c>capture</c>
    /// transactions, the reference their ids (or their <c>authorization</c> when an id is missing), the method their gateway.
    /// Authorizations are not money collected; refunds are later events.</item>
    /// <item>Without: a <c>paid</c> order was paid in full, <c>total_price</c>; a partly paid or partly refunded one,
    /// <c>total_price</c> − <c>total_outstanding</c> (refused when that does not lie between 0 and the total, or when it
    /// is missing from a partly paid one; a partly refunded one without it was paid in full). The reference is
    /// then the order itself (<c>{shop}/{id}</c>), the method the first of <c>payment_gateway_names</c>.</item>
    /// </list>
    /// </summary>
    private static ChannelPayment? PaidAtShopify(JsonElement order, string? financialStatus, string externalId, string currency, decimal totalPrice, Problems p)
    {
        if (financialStatus is null || !ChargedStatuses.Contains(financialStatus)) return null;
        var gateway = GatewayName(order, p);
        if (Array(order, "transactions", "transactions", p) is { } transactions)
        {
            decimal sum = 0m;
            var references = new List<string>();
            string? firstGateway = null;
            var i = 0;
            foreach (var t in transactions.EnumerateArray())
            {
                var at = $"transactions[{i++}]";
                if (t.ValueKind != JsonValueKind.Object)
                {
                    p.Add(at, "expected a transaction object, found " + Describe(t));
                    continue;
                }
                if (Text(t, "kind", $"{at}.kind", p) is not ("sale" or "capture") || Text(t, "status", $"{at}.status", p) != "success") continue;
                if (Text(t, "currency", $"{at}.currency", p) is { } tc && tc != currency)
                    p.Add($"{at}.currency", $"mixed currencies: {Amounts.Quote(tc)} differs from the order's currency {currency}");
                sum += Money(t, "amount", $"{at}.amount", p, currency, required: true) ?? 0m;
                var reference = Get(t, "id") is not null ? Id(t, "id", $"{at}.id", p) : Text(t, "authorization", $"{at}.authorization", p);
                if (reference is null) p.Add($"{at}.id", "a collected transaction needs an id or an authorization to refer to it by");
                else references.Add(reference);
                firstGateway ??= Text(t, "gateway", $"{at}.gateway", p);
            }
            if (p.Any) return null;
            if (sum == 0m)
            {
                p.Add("transactions", $"financial_status is '{financialStatus}' but no transaction is a successful sale or capture");
                return null;
            }
            if (sum > totalPrice)
            {
                p.Add("transactions", $"the successful sales and captures come to {Amounts.Format(sum, currency)}, more than total_price {Amounts.Format(totalPrice, currency)}");
                return null;
            }
            return new ChannelPayment(Limit(firstGateway ?? gateway, 64), sum, currency, JoinReferences(references));
        }
        decimal amount = totalPrice;
        if (financialStatus != "paid")
        {
            var outstanding = Money(order, "total_outstanding", "total_outstanding", p, currency, required: false);
            if (outstanding is null)
            {
                // Refunds follow a payment: a partially refunded order that says nothing more was paid in full before.
                if (financialStatus == "partially_refunded" && !p.Any) return new ChannelPayment(Limit(gateway, 64), totalPrice, currency, externalId);
                if (!p.Any) p.Add("total_outstanding", $"missing: financial_status is '{financialStatus}' and without transactions or total_outstanding the amount Shopify collected is unknown");
                return null;
            }
            amount = totalPrice - outstanding.Value;
            if (amount <= 0m || amount > totalPrice)
            {
                p.Add("total_outstanding", $"{Amounts.Format(outstanding.Value, currency)} of total_price {Amounts.Format(totalPrice, currency)} leaves no collected amount for a '{financialStatus}' order");
                return null;
            }
        }
        return new ChannelPayment(Limit(gateway, 64), amount, currency, externalId);
    }

    private static string GatewayName(JsonElement order, Problems p)
    {
        if (Get(order, "payment_gateway_names") is { ValueKind: JsonValueKind.Array } names)
            foreach (var n in names.EnumerateArray())
                if (n.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(n.GetString())) return n.GetString()!.Trim();
        return Get(order, "gateway") is { ValueKind: JsonValueKind.String } g && !string.IsNullOrWhiteSpace(g.GetString()) ? g.GetString()!.Trim() : "shopify";
    }

    private static string Limit(string s, int max) => s.Length <= max ? s : s[..max];

    /// <summary>The transactions' ids as one reference of at most 128 characters (the engine's limit), the count of any left out at its end.</summary>
    private static string JoinReferences(List<string> ids)
    {
        var joined = string.Join(",", ids);
        if (joined.Length <= 128) return joined;
        var kept = new List<string>();
        foreach (var id in ids)
        {
            var candidate = string.Join(",", kept.Append(id)) + $",+{ids.Count - kept.Count - 1} more";
            if (candidate.Length > 128) break;
            kept.Add(id);
        }
        return kept.Count == 0 ? Limit(ids[0], 128) : string.Join(",", kept) + $",+{ids.Count - kept.Count} more";
    }

    /// <summary>
    /// Shopify customer ids are per shop, and the engine keys per-customer limits and velocity by customer id, so the id
    /// is prefixed with the shop ("&lt;shop&gt;/customers/&lt;id&gt;"). Without a customer record, the order's email
    /// stands for the customer, never in clear: its pseudonym (<see cref="CustomerIdPseudonymizer"/>, one mailbox, one customer); with neither, the order is a guest's
    /// ("&lt;shop&gt;/guests/&lt;id&gt;", see <see cref="OrderAssembly.GuestCustomerId"/>).
    /// </summary>
    private string? CustomerId(JsonElement order, string orderId, Problems p)
    {
        var customer = Object(order, "customer", "customer", p);
        if (customer is { } c && Get(c, "id") is not null)
            return Id(c, "id", "customer.id", p) is { } id ? $"{Shop}/customers/{id}" : null;
        var email = Text(order, "email", "email", p) ?? Text(order, "contact_email", "contact_email", p)
            ?? (customer is { } c2 ? Text(c2, "email", "customer.email", p) : null);
        if (email is not null) return OrderAssembly.EmailCustomerId(_customerIds, email, "email", p);
        // A guest checkout (or an order created through the API) without an email: a guest of this shop, one per order.
        return OrderAssembly.GuestCustomerId(Shop, orderId);
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
            var price = Money(item, "price", $"{at}.price", p, currency, required: true);
            CheckSetCurrency(item, "price_set", currency, p, at + ".");
            if (sku is not null && quantity is not null && price is not null) drafts.Add(new LineDraft(at, sku, quantity.Value, price.Value));
        }
        return drafts;
    }

    private static Address? ShippingAddress(JsonElement order, Problems p)
    {
        if (Object(order, "shipping_address", "shipping_address", p) is not { } a) return null;
        const string at = "shipping_address";
        var countryCode = Text(a, "country_code", $"{at}.country_code", p);
        var country = OrderAssembly.Country(countryCode, $"{at}.country_code", p);
        if (countryCode is null && Text(a, "country", $"{at}.country", p) is { } countryName)
            p.Add($"{at}.country_code", $"missing (country is {Amounts.Quote(countryName)}; the engine needs the ISO code)");
        return OrderAssembly.AddressOrNull(new Address(
            Text(a, "name", $"{at}.name", p) ?? OrderAssembly.Join(" ", Text(a, "first_name", $"{at}.first_name", p), Text(a, "last_name", $"{at}.last_name", p)),
            OrderAssembly.Clean(Text(a, "address1", $"{at}.address1", p)),
            OrderAssembly.Clean(Text(a, "address2", $"{at}.address2", p)),
            OrderAssembly.Clean(Text(a, "city", $"{at}.city", p)),
            OrderAssembly.Clean(Text(a, "province_code", $"{at}.province_code", p) ?? Text(a, "province", $"{at}.province", p)),
            OrderAssembly.Clean(Text(a, "zip", $"{at}.zip", p)),
            country,
            OrderAssembly.Clean(Text(a, "phone", $"{at}.phone", p))));
    }

    /// <summary>
    /// How the customer paid, from <c>payment_gateway_names</c> (or the legacy <c>gateway</c>):
    /// <list type="bullet">
    /// <item>"Cash on Delivery (COD)" or any name saying cash on delivery / "cod" → CashOnDelivery (confirmed without payment);</item>
    /// <item>"gift_card" → GiftCard, but only when it is the only gateway: next to another one it covered part of the total and the other decides;</item>
    /// <item>names with "alipay" → Alipay; "wechat"/"weixin" → WeChatPay;</item>
    /// <item>"manual" (Shopify's manual payment methods, settled out of band and marked paid by the merchant), "Bank Deposit",
    /// "Money Order" and names with bank/transfer → BankTransfer, the engine's method for payments an operator confirms by hand;</item>
    /// <item>everything else — "bogus" (Shopify's test card gateway), "shopify_payments", "authorize_net", "stripe", "paypal"… — and no
    /// gateway at all → Card, the engine's method for a payment a provider confirms.</item>
    /// </list>
    /// Several non-gift-card gateways: the first decides.
    /// </summary>
    internal static PaymentMethod PaymentMethodOf(JsonElement order, Problems p)
    {
        var names = new List<string>();
        if (Array(order, "payment_gateway_names", "payment_gateway_names", p) is { } list)
        {
            var i = 0;
            foreach (var n in list.EnumerateArray())
            {
                if (n.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(n.GetString())) names.Add(n.GetString()!);
                else p.Add($"payment_gateway_names[{i}]", "expected a gateway name, found " + Describe(n));
                i++;
            }
        }
        if (names.Count == 0 && Text(order, "gateway", "gateway", p) is { } gateway) names.Add(gateway);
        var methods = names.Select(GatewayMethod).ToList();
        if (methods.Count == 0) return PaymentMethod.Card;
        var notGift = methods.Where(m => m != PaymentMethod.GiftCard).ToList();
        return notGift.Count > 0 ? notGift[0] : PaymentMethod.GiftCard;
    }

    internal static PaymentMethod GatewayMethod(string gateway)
    {
        var g = new string(gateway.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
        if (g.Contains("cashondelivery", StringComparison.Ordinal) || g == "cod") return PaymentMethod.CashOnDelivery;
        if (g == "giftcard") return PaymentMethod.GiftCard;
        if (g.Contains("alipay", StringComparison.Ordinal)) return PaymentMethod.Alipay;
        if (g.Contains("wechat", StringComparison.Ordinal) || g.Contains("weixin", StringComparison.Ordinal)) return PaymentMethod.WeChatPay;
        if (g == "manual" || g.Contains("bank", StringComparison.Ordinal) || g.Contains("transfer", StringComparison.Ordinal) || g.Contains("moneyorder", StringComparison.Ordinal))
            return PaymentMethod.BankTransfer;
        return PaymentMethod.Card;
    }

    /// <summary>The shop-money amount of a <c>*_set</c> money bag, checked to be in the order's currency.</summary>
    private static decimal? SetAmount(JsonElement obj, string name, string? currency, Problems p)
    {
        if (Object(obj, name, name, p) is not { } set) return null;
        if (Object(set, "shop_money", $"{name}.shop_money", p) is not { } money) return null;
        CheckMoneyCurrency(money, $"{name}.shop_money", currency, p);
        return Money(money, "amount", $"{name}.shop_money.amount", p, currency, required: true);
    }

    private static void CheckSetCurrency(JsonElement obj, string name, string? currency, Problems p, string prefix = "")
    {
        if (Get(obj, name) is { ValueKind: JsonValueKind.Object } set && Get(set, "shop_money") is { ValueKind: JsonValueKind.Object } money)
            CheckMoneyCurrency(money, $"{prefix}{name}.shop_money", currency, p);
    }

    private static void CheckMoneyCurrency(JsonElement money, string path, string? currency, Problems p)
    {
        if (currency is not null && Text(money, "currency_code", $"{path}.currency_code", p) is { } code && code != currency)
            p.Add($"{path}.currency_code", $"mixed currencies: {Amounts.Quote(code)} differs from the order's currency {currency}");
    }

    private static AdapterResult Prefixed(AdapterResult r, string at) =>
        r is Refused { ExternalId: null } x ? x with { Reason = $"{at}: {x.Reason}" } : r;
}

/// <summary>Verifies Shopify's webhook signature: header <c>X-Shopify-Hmac-Sha256</c> = base64(HMAC-SHA256(app secret, raw body)).</summary>
public static class ShopifyWebhook
{
    public const string SignatureHeader = "X-Shopify-Hmac-Sha256";

    /// <summary>True only when the header is the signature of these exact body bytes; compared in constant time.</summary>
    /// <param name="secret">The app's client secret. An empty one would let anyone sign, so it is a configuration error.</param>
    /// <param name="rawBody">The body exactly as received, before any parsing or re-encoding.</param>
    /// <param name="headerValue">The <see cref="SignatureHeader"/> value; null or malformed is simply not verified.</param>
    public static bool Verify(string secret, ReadOnlySpan<byte> rawBody, string? headerValue)
    {
        if (string.IsNullOrEmpty(secret)) throw new ArgumentException("the Shopify webhook secret is required", nameof(secret));
        return HmacSignature.VerifyBase64Sha256(secret, rawBody, headerValue);
    }

    /// <summary>For a body held as text: its UTF-8 bytes are what Shopify signed.</summary>
    public static bool Verify(string secret, string rawBody, string? headerValue) => Verify(secret, Encoding.UTF8.GetBytes(rawBody), headerValue);
}
