using System.Collections.Frozen;
using System.Text.Json;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Adapters.Support;
using static OrderEngine.Ingestion.Adapters.Support.JsonFields;

namespace OrderEngine.Ingestion.Adapters;

/// <summary>
/// Maps an Amazon Selling Partner API Orders v0 order (a <c>getOrder</c> payload or one element of <c>getOrders</c>)
/// together with its items (every page of <c>getOrderItems</c>) to one placement.
/// </summary>
/// <remarks>
/// <para>The money model, per SP-API semantics:</para>
/// <list type="bullet">
/// <item><c>ItemPrice</c> is the line's total (selling price × QuantityOrdered, without shipping and gift wrap), so the unit
/// price is ItemPrice / QuantityOrdered, which must be a whole number of minor units, else the order is refused;</item>
/// <item>shipping = Σ <c>ShippingPrice</c>; discount = Σ <c>PromotionDiscount</c> + <c>ShippingDiscount</c>;</item>
/// <item>tax: whether prices include it depends on the marketplace, which no field of the order says. In the US and Canada
/// prices exclude sales tax and tax = Σ <c>ItemTax</c> + <c>ShippingTax</c> (the sandbox order: 10.00 + tax 1.01 = OrderTotal
/// 11.01); elsewhere (EU, UK, JP, …) prices include VAT, <c>ItemTax</c> is only the VAT share of the price, and tax = 0.
/// The table is <see cref="DefaultPricesIncludeTax"/>; an order from a marketplace not in it is refused, not guessed;</item>
/// <item>check: when <c>OrderTotal</c> is present, Σ ItemPrice + shipping + tax − discount must equal it exactly
/// (Pending orders have no OrderTotal and usually no prices; they are placed only when their items carry prices).</item>
/// </list>
/// <para>
/// Every amount of the order and its items must be in one currency; the published examples mix JPY and GBP in one order
/// item, and such an order is refused naming the fields. COD fees and gift wrap are charged to the buyer but have no place
/// in the engine's charges, so an order with either is refused. <c>PromotionDiscountTax</c>/<c>ShippingDiscountTax</c> are
/// not subtracted from the tax; in a tax-exclusive marketplace an order carrying them is only placed when OrderTotal
/// confirms that reading.
/// </para>
/// </remarks>
public sealed class AmazonAdapter
{
    public const string Channel = "amazon";

    /// <summary>Whether listed prices include tax (VAT/GST), by marketplace id.</summary>
    public static readonly FrozenDictionary<string, bool> DefaultPricesIncludeTax = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["ATVPDKIKX0DER"] = false, // US: sales tax added on top
        ["A2EUQ1WTGCTBG2"] = false, // CA: GST/HST added on top
        ["A1AM78C64UM0Y8"] = true, // MX
        ["A2Q3Y263D00KWC"] = true, // BR
        ["A1F83G8C2ARO7P"] = true, // UK
        ["A1PA6795UKMFR9"] = true, // DE
        ["A13V1IB3VIYZZH"] = true, // FR
        ["APJ6JRA9NG5V4"] = true, // IT
        ["A1RKKUPIHCS9HS"] = true, // ES
        ["A1805IZSGTT6HS"] = true, // NL
        ["A2NODRKZP88ZB9"] = true, // SE
        ["A1C3SOZRARQ6R3"] = true, // PL
        ["AMEN7PMS3EDWL"] = true, // BE
        ["A28R8C7NBKEWEA"] = true, // IE
        ["A33AVAJ2PDY3EV"] = true, // TR
        ["A2VIGQ35RCS4UG"] = true, // AE
        ["A17E79C6D8DWNP"] = true, // SA
        ["ARBP9OOSHTCHU"] = true, // EG
        ["A21TJRUUN4KGV"] = true, // IN
        ["A1VC38T7YXB528"] = true, // JP
        ["A39IBJ37TRP1C6"] = true, // AU
        ["A19VAU5U5O7RUS"] = true, // SG
        ["AE08WJ6YKNBMC"] = true, // ZA
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly OrderRules _rules;
    private readonly CustomerIdPseudonymizer? _customerIds;
    private readonly IReadOnlyDictionary<string, bool> _pricesIncludeTax;

    /// <param name="sellerId">The selling partner the orders belong to; it prefixes external ids ("&lt;seller&gt;/&lt;AmazonOrderId&gt;").</param>
    /// <param name="rules">The engine's rules the mapped placement must pass; <see cref="OrderRules.Default"/> when null.</param>
    /// <param name="pricesIncludeTax">Overrides <see cref="DefaultPricesIncludeTax"/>.</param>
    public AmazonAdapter(string sellerId, OrderRules? rules = null, IReadOnlyDictionary<string, bool>? pricesIncludeTax = null,
        CustomerIdPseudonymizer? customerIds = null)
    {
        _customerIds = customerIds;
        SellerId = OrderAssembly.Account(sellerId, nameof(sellerId), lowerCase: false);
        _rules = rules ?? OrderRules.Default;
        _pricesIncludeTax = pricesIncludeTax ?? DefaultPricesIncludeTax;
    }

    /// <summary>The seller id, as given (Amazon ids are case-sensitive).</summary>
    public string SellerId { get; }

    /// <summary>Maps an order and its item pages given as JSON text (each a response body or its payload).</summary>
    public AdapterResult Map(string orderJson, params string[] orderItemsPagesJson)
    {
        using var order = Parse(orderJson, out var error);
        if (order is null) return new Refused(null, "order: " + error);
        var pages = new List<JsonDocument>();
        try
        {
            for (var i = 0; i < orderItemsPagesJson.Length; i++)
            {
                var page = Parse(orderItemsPagesJson[i], out error);
                if (page is null) return new Refused(null, $"order items page {i + 1}: {error}");
                pages.Add(page);
            }
            return Map(order.RootElement, [.. pages.Select(d => d.RootElement)]);
        }
        finally
        {
            foreach (var d in pages) d.Dispose();
        }
    }

    /// <summary>
    /// Maps an order (<c>{"payload": {…}}</c> or the order object) and every page of its items (each <c>{"payload":
    /// {"AmazonOrderId", "OrderItems", "NextToken"?}}</c>, the payload, or a bare OrderItems array), in page order.
    /// </summary>
    public AdapterResult Map(JsonElement order, params JsonElement[] orderItemsPages)
    {
        try
        {
            return MapOrder(Unwrap(order), orderItemsPages);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            return new Refused(null, "unreadable order: " + e.Message);
        }
    }

    private AdapterResult MapOrder(JsonElement order, JsonElement[] pages)
    {
        if (order.ValueKind != JsonValueKind.Object) return new Refused(null, "expected an order object, found " + Kind(order));
        var p = new Problems();
        var amazonOrderId = Text(order, "AmazonOrderId", "AmazonOrderId", p, required: true);
        if (amazonOrderId is null || p.Any) return new Refused(null, p.Join());
        var externalId = $"{SellerId}/{amazonOrderId}";
        var orderStatus = Text(order, "OrderStatus", "OrderStatus", p);
        if (orderStatus is "Canceled")
            return new Refused(externalId, "OrderStatus: 'Canceled' orders are not placed");
        // Fulfilled by Amazon: Amazon ships from its own warehouse, so reserving the merchant's stock would sell it twice.
        if (Text(order, "FulfillmentChannel", "FulfillmentChannel", p) is "AFN")
            return new Refused(externalId, "FulfillmentChannel: 'AFN' orders are fulfilled by Amazon from its own stock; no stock here is reserved for them");

        var items = Items(amazonOrderId, pages, p);
        if (p.Any) return new Refused(externalId, p.Join());

        // One currency for everything the order and its items price; which one is read from the amounts themselves.
        var amounts = new List<(string Path, string Currency)>();
        CollectMoney(order, "", amounts);
        foreach (var (item, path) in items) CollectMoney(item, path, amounts);
        var byCurrency = amounts.GroupBy(a => a.Currency, StringComparer.Ordinal).ToList();
        if (byCurrency.Count > 1)
            return new Refused(externalId, "mixed currencies: " + string.Join("; ", byCurrency.Select(g =>
                $"{g.Key} in {string.Join(", ", g.Take(3).Select(a => a.Path))}{(g.Count() > 3 ? $" and {g.Count() - 3} more" : "")}")));
        if (byCurrency.Count == 0) return new Refused(externalId, "OrderItems: no item carries a price (Amazon gives none for Pending orders yet)");
        var currency = byCurrency[0].Key;
        if (!Currencies.IsKnown(currency)) return new Refused(externalId, $"{byCurrency[0].First().Path}.CurrencyCode: {Amounts.Quote(currency)} is not an ISO 4217 currency code the engine knows");

        var marketplace = Text(order, "MarketplaceId", "MarketplaceId", p, required: true);
        bool? pricesIncludeTax = null;
        if (marketplace is not null)
        {
            if (_pricesIncludeTax.TryGetValue(marketplace, out var included)) pricesIncludeTax = included;
            else p.Add("MarketplaceId", $"{Amounts.Quote(marketplace)}: whether its prices include tax is not known to the adapter, so its totals cannot be read");
        }

        var drafts = new List<LineDraft>();
        decimal shipping = 0m, itemTax = 0m, discount = 0m, discountTax = 0m;
        foreach (var (item, at) in items)
        {
            var sku = Sku(item, "SellerSKU", $"{at}.SellerSKU", p);
            var quantity = Quantity(item, "QuantityOrdered", $"{at}.QuantityOrdered", p);
            var itemPrice = Amount(item, "ItemPrice", at, p, currency, required: true);
            shipping += Amount(item, "ShippingPrice", at, p, currency) ?? 0m;
            itemTax += (Amount(item, "ItemTax", at, p, currency) ?? 0m) + (Amount(item, "ShippingTax", at, p, currency) ?? 0m);
            discount += (Amount(item, "PromotionDiscount", at, p, currency) ?? 0m) + (Amount(item, "ShippingDiscount", at, p, currency) ?? 0m);
            discountTax += (Amount(item, "PromotionDiscountTax", at, p, currency) ?? 0m) + (Amount(item, "ShippingDiscountTax", at, p, currency) ?? 0m);
            var codFee = (Amount(item, "CODFee", at, p, currency) ?? 0m) - (Amount(item, "CODFeeDiscount", at, p, currency) ?? 0m);
            if (codFee > 0m) p.Add($"{at}.CODFee", $"a cash-on-delivery fee of {Amounts.Format(codFee, currency)} has no place in the engine's charges (shipping, tax, discount)");
            var giftWrap = (Amount(item, "GiftWrapPrice", at, p, currency) ?? 0m)
                + (Get(item, "BuyerInfo") is { ValueKind: JsonValueKind.Object } buyer ? Amount(buyer, "GiftWrapPrice", $"{at}.BuyerInfo", p, currency) ?? 0m : 0m);
            if (giftWrap > 0m) p.Add($"{at}.GiftWrapPrice", $"gift wrap of {Amounts.Format(giftWrap, currency)} has no place in the engine's charges");
            if (sku is null || quantity is not { } q || itemPrice is not { } linePrice) continue;
            if (!Amounts.TryUnitPrice(linePrice, q, currency, out var unit))
            {
                p.Add($"{at}.ItemPrice.Amount", $"{Amounts.Format(linePrice, currency)} for {q} units is not a whole number of {currency} minor units per unit");
                continue;
            }
            drafts.Add(new LineDraft(at, sku, q, unit));
        }
        var orderTotal = Amount(order, "OrderTotal", "", p, currency);
        if (pricesIncludeTax == false && discountTax > 0m && orderTotal is null)
            p.Add("PromotionDiscountTax", "discount taxes are present and there is no OrderTotal to confirm how they count");
        var address = ShippingAddress(order, p);
        var payment = PaymentMethodOf(order, p);
        var placedAt = Time(order, "PurchaseDate", "PurchaseDate", p);
        if (p.Any || pricesIncludeTax is null) return new Refused(externalId, p.Join());

        var charges = new OrderCharges(shipping, pricesIncludeTax.Value ? 0m : itemTax, discount);
        if (orderTotal is { } total) OrderAssembly.CheckTotal(OrderAssembly.LinesTotal(drafts), charges, total, "OrderTotal", currency, p);
        if (p.Any) return new Refused(externalId, p.Join());
        var paid = CollectedByAmazon(order, orderStatus, payment, amazonOrderId, currency,
            orderTotal ?? OrderAssembly.LinesTotal(drafts) + charges.Shipping + charges.Tax - charges.Discount, p);
        var customerId = CustomerId(order, amazonOrderId, p);
        if (p.Any) return new Refused(externalId, p.Join());
        return OrderAssembly.Finish(Channel, externalId, customerId, currency, OrderAssembly.AsSent(drafts), address, payment, charges,
            _rules, paid, placedAt);
    }

    /// <summary>
    /// Amazon collects the buyer's payment itself and pays the seller out later, so an order that reaches a seller with
    /// prices is already charged: it carries <c>OrderTotal</c> (or, without one, the total its items add up to) as a
    /// payment with Amazon as its provider, referenced by its AmazonOrderId. Not so for cash on delivery
    /// (<c>PaymentMethod</c> COD: the carrier collects at the door) nor for an order Amazon has not charged yet
    /// (<c>Pending</c>, <c>PendingAvailability</c>): those are reserved and wait, as any unpaid order.
    /// </summary>
    private static ChannelPayment? CollectedByAmazon(JsonElement order, string? orderStatus, PaymentMethod method, string amazonOrderId, string currency, decimal total, Problems p)
    {
        if (method == PaymentMethod.CashOnDelivery || orderStatus is "Pending" or "PendingAvailability" || total <= 0m) return null;
        var details = Get(order, "PaymentMethodDetails") is { ValueKind: JsonValueKind.Array } list
            ? string.Join("+", list.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.String).Select(d => d.GetString()))
            : "";
        var name = details.Length > 0 ? details : Text(order, "PaymentMethod", "PaymentMethod", p) ?? "Amazon";
        return new ChannelPayment(name.Length <= 64 ? name : name[..64], total, currency, amazonOrderId);
    }

    private static JsonElement Unwrap(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && Get(e, "payload") is { ValueKind: JsonValueKind.Object } payload ? payload : e;

    /// <summary>The items of every page with their paths; the pages must belong to this order and end the list.</summary>
    private static List<(JsonElement Item, string Path)> Items(string amazonOrderId, JsonElement[] pages, Problems p)
    {
        var items = new List<(JsonElement, string)>();
        if (pages.Length == 0)
        {
            p.Add("OrderItems", "no order items given: map the order together with its getOrderItems pages");
            return items;
        }
        for (var k = 0; k < pages.Length; k++)
        {
            var page = Unwrap(pages[k]);
            var at = pages.Length == 1 ? "order items" : $"order items page {k + 1}";
            JsonElement list;
            if (page.ValueKind == JsonValueKind.Array) list = page;
            else if (page.ValueKind == JsonValueKind.Object)
            {
                if (Text(page, "AmazonOrderId", $"{at}.AmazonOrderId", p) is { } owner && owner != amazonOrderId)
                    p.Add($"{at}.AmazonOrderId", $"the items belong to order {owner}, not {amazonOrderId}");
                if (k == pages.Length - 1 && Get(page, "NextToken") is not null)
                    p.Add($"{at}.NextToken", "the item list continues on another page: map the order with every page");
                if (Array(page, "OrderItems", $"{at}.OrderItems", p, required: true) is not { } l) continue;
                list = l;
            }
            else
            {
                p.Add(at, "expected a getOrderItems payload, found " + Describe(page));
                continue;
            }
            foreach (var item in list.EnumerateArray())
            {
                var path = $"OrderItems[{items.Count}]";
                if (item.ValueKind == JsonValueKind.Object) items.Add((item, path));
                else p.Add(path, "expected an order item object, found " + Describe(item));
            }
        }
        if (items.Count == 0 && !p.Any) p.Add("OrderItems", "the order has no items");
        return items;
    }

    /// <summary>Every SP-API Money object ({CurrencyCode, Amount}) under an element, with its path.</summary>
    private static void CollectMoney(JsonElement e, string path, List<(string, string)> found)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                if (Get(e, "CurrencyCode") is { ValueKind: JsonValueKind.String } code && Get(e, "Amount") is not null)
                    found.Add((path, code.GetString()!));
                foreach (var prop in e.EnumerateObject())
                    CollectMoney(prop.Value, path.Length == 0 ? prop.Name : $"{path}.{prop.Name}", found);
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var x in e.EnumerateArray()) CollectMoney(x, $"{path}[{i++}]", found);
                break;
        }
    }

    /// <summary>The Amount of a Money field, a non-negative decimal string in the order's currency.</summary>
    private static decimal? Amount(JsonElement obj, string name, string at, Problems p, string currency, bool required = false)
    {
        var path = at.Length == 0 ? name : $"{at}.{name}";
        if (Object(obj, name, path, p, required) is not { } money) return null;
        return Money(money, "Amount", $"{path}.Amount", p, currency, required: true);
    }

    /// <summary>
    /// The buyer's email where the order carries it (BuyerInfo is restricted data; the address is Amazon's anonymised relay,
    /// stable per buyer), as its pseudonym (<see cref="CustomerIdPseudonymizer"/>, never in clear). Without it the buyer is unknown, and a customer id derived from the order
    /// ("&lt;seller&gt;/buyer-of/&lt;AmazonOrderId&gt;") keeps redeliveries identical without pretending two orders share a buyer.
    /// </summary>
    private string CustomerId(JsonElement order, string amazonOrderId, Problems p)
    {
        var email = (Get(order, "BuyerInfo") is { ValueKind: JsonValueKind.Object } buyer ? Text(buyer, "BuyerEmail", "BuyerInfo.BuyerEmail", p) : null)
            ?? Text(order, "BuyerEmail", "BuyerEmail", p);
        return email is not null ? OrderAssembly.EmailCustomerId(_customerIds, email, "BuyerInfo.BuyerEmail", p) ?? "" : $"{SellerId}/buyer-of/{amazonOrderId}";
    }

    private static Address? ShippingAddress(JsonElement order, Problems p)
    {
        if (Object(order, "ShippingAddress", "ShippingAddress", p) is not { } a) return null;
        const string at = "ShippingAddress";
        return OrderAssembly.AddressOrNull(new Address(
            OrderAssembly.Clean(Text(a, "Name", $"{at}.Name", p)),
            OrderAssembly.Clean(Text(a, "AddressLine1", $"{at}.AddressLine1", p)),
            OrderAssembly.Join(", ", Text(a, "AddressLine2", $"{at}.AddressLine2", p), Text(a, "AddressLine3", $"{at}.AddressLine3", p)),
            OrderAssembly.Clean(Text(a, "City", $"{at}.City", p)),
            OrderAssembly.Clean(Text(a, "StateOrRegion", $"{at}.StateOrRegion", p)),
            OrderAssembly.Clean(Text(a, "PostalCode", $"{at}.PostalCode", p)),
            OrderAssembly.Country(Text(a, "CountryCode", $"{at}.CountryCode", p), $"{at}.CountryCode", p),
            OrderAssembly.Clean(Text(a, "Phone", $"{at}.Phone", p))));
    }

    /// <summary>
    /// <c>PaymentMethod</c>: "COD" → CashOnDelivery; "CVS" (paid at a convenience store before Amazon ships) →
    /// BankTransfer, the engine's method for money settled out of band; "Other" → from <c>PaymentMethodDetails</c>:
    /// "Invoice" → BankTransfer, only "GiftCertificate"/"PointsAccount" → GiftCard, "CashOnDelivery" → CashOnDelivery,
    /// otherwise (CreditCard, Standard, …) Card. Absent → Card.
    /// </summary>
    internal static PaymentMethod PaymentMethodOf(JsonElement order, Problems p)
    {
        var method = Text(order, "PaymentMethod", "PaymentMethod", p);
        if (method is "COD") return PaymentMethod.CashOnDelivery;
        if (method is "CVS") return PaymentMethod.BankTransfer;
        var details = new List<string>();
        if (Array(order, "PaymentMethodDetails", "PaymentMethodDetails", p) is { } list)
            details.AddRange(list.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.String).Select(d => d.GetString()!));
        if (details.Contains("CashOnDelivery")) return PaymentMethod.CashOnDelivery;
        if (details.Contains("Invoice")) return PaymentMethod.BankTransfer;
        if (details.Count > 0 && details.All(d => d is "GiftCertificate" or "PointsAccount")) return PaymentMethod.GiftCard;
        return PaymentMethod.Card;
    }
}
