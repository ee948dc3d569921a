using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;

namespace OrderEngine.Domain.Webhooks;

/// <summary>The event types a webhook subscriber can ask for.</summary>
public static class OutboundEventTypes
{
    public const string OrderPlaced = "order.placed";
    public const string OrderPaid = "order.paid";
    public const string OrderShipped = "order.shipped";
    public const string OrderDelivered = "order.delivered";
    public const string OrderCancelled = "order.cancelled";
    public const string OrderRefunded = "order.refunded";
    public const string OrderReturned = "order.returned";
    public const string StockLow = "stock.low";
    public const string StockLowCleared = "stock.low-cleared";

    /// <summary>Every type, in the order the documentation lists them.</summary>
    public static readonly ImmutableArray<string> All =
        [OrderPlaced, OrderPaid, OrderShipped, OrderDelivered, OrderCancelled, OrderRefunded, OrderReturned, StockLow, StockLowCleared];

    public static bool IsKnown(string type) => All.Contains(type, StringComparer.Ordinal);
}

/// <summary>
/// One event sent to subscribers. <paramref name="EventId"/> is derived from where the source event sits in the journal,
/// so reading the journal again yields the same id (subscribers dedupe on it); <paramref name="Data"/> is a JSON object.
/// <paramref name="OrderId"/> is null for an event about no order (stock.low).
/// </summary>
public sealed record OutboundEvent(string EventId, string Type, DateTimeOffset OccurredAt, string? OrderId, string Data)
{
    /// <summary>The body POSTed to a subscriber: <c>{"id","type","occurredAt","orderId","data"}</c>, the exact bytes that are signed.</summary>
    public string Body()
    {
        var body = new JsonObject
        {
            ["id"] = EventId,
            ["type"] = Type,
            ["occurredAt"] = OccurredAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["orderId"] = OrderId,
            ["data"] = JsonNode.Parse(Data),
        };
        return body.ToJsonString();
    }
}

/// <summary>
/// The one mapping from journal events to outbound events. Pure: the same (persistence id, sequence number, event) always
/// gives the same outbound events with the same ids. Events without a subscriber-facing meaning (stock settled, refund
/// requested, review steps) map to nothing.
/// </summary>
public static class OutboundEvents
{
    /// <summary>The outbound events of one journal event at (<paramref name="persistenceId"/>, <paramref name="sequenceNr"/>).</summary>
    public static ImmutableArray<OutboundEvent> From(string persistenceId, long sequenceNr, object journalEvent)
    {
        OutboundEvent One(string type, string? orderId, DateTimeOffset at, JsonObject data) =>
            new(EventIdOf(persistenceId, sequenceNr, type), type, at, orderId, data.ToJsonString());

        return journalEvent switch
        {
            // An order the channel already charged is placed and paid in one event: a subscriber hears both.
            OrderPlaced { PaidAtChannel: { } paid, Outcome.Status: OrderStatus.Paid } p =>
            [
                One(OutboundEventTypes.OrderPlaced, p.OrderId, p.At, Placed(p)),
                One(OutboundEventTypes.OrderPaid, p.OrderId, p.Outcome!.At, new JsonObject
                {
                    ["amount"] = paid.Amount,
                    ["currency"] = paid.Currency,
                    ["reference"] = paid.Reference,
                    ["provider"] = OrderPlaced.ChannelProvider(p.Channel),
                    ["method"] = paid.Method,
                }),
            ],
            OrderPlaced p => [One(OutboundEventTypes.OrderPlaced, p.OrderId, p.At, Placed(p))],
            PaymentConfirmed p => [One(OutboundEventTypes.OrderPaid, p.OrderId, p.At, new JsonObject
            {
                ["amount"] = p.Amount,
                ["currency"] = p.Currency,
                ["reference"] = p.Reference,
                ["provider"] = p.Provider,
            })],
            OrderCancelled c => [One(OutboundEventTypes.OrderCancelled, c.OrderId, c.At, new JsonObject
            {
                ["reason"] = c.Reason,
                ["by"] = c.By,
                ["rejectedBy"] = c.RejectedBy,
            })],
            // An unpaid (or unreviewed) order whose hold ended: to a subscriber it is a cancellation, told apart by its reason.
            OrderExpired e => [One(OutboundEventTypes.OrderCancelled, e.OrderId, e.At, new JsonObject { ["reason"] = "expired" })],
            // A placement refused after it was written (journals of earlier versions): it ends the order placed before.
            OrderRejected r => [One(OutboundEventTypes.OrderCancelled, r.OrderId, r.At, new JsonObject
            {
                ["reason"] = "rejected",
                ["lines"] = new JsonArray([.. r.Lines.Select(l => (JsonNode)new JsonObject { ["sku"] = l.Sku, ["code"] = l.Code, ["reason"] = l.Reason })]),
            })],
            RefundSucceeded r => [One(OutboundEventTypes.OrderRefunded, r.OrderId, r.At, new JsonObject
            {
                ["refundId"] = r.RefundId,
                ["providerRefundId"] = r.ProviderRefundId,
            })],
            // One event per shipment: a subscriber learns of each parcel.
            ShipmentRecorded s => [One(OutboundEventTypes.OrderShipped, s.OrderId, s.At, new JsonObject
            {
                ["shipmentId"] = s.ShipmentId,
                ["carrier"] = s.Carrier,
                ["trackingNumber"] = s.TrackingNumber,
                ["lines"] = new JsonArray([.. s.Lines.Select(l => (JsonNode)new JsonObject { ["sku"] = l.Sku, ["quantity"] = l.Quantity })]),
            })],
            ShipmentDelivered d => [One(OutboundEventTypes.OrderDelivered, d.OrderId, d.At, new JsonObject
            {
                ["shipmentId"] = d.ShipmentId,
                ["deliveredAt"] = d.DeliveredAt,
            })],
            // A restaurant delivery: its courier picking it up is its shipment, handing it over its delivery.
            DeliveryProgressRecorded { Stage: DeliveryStage.PickedUp } d => [One(OutboundEventTypes.OrderShipped, d.OrderId, d.At, new JsonObject
            {
                ["courierId"] = d.CourierId,
                ["eta"] = d.Eta,
            })],
            DeliveryProgressRecorded { Stage: DeliveryStage.Delivered } d => [One(OutboundEventTypes.OrderDelivered, d.OrderId, d.At, new JsonObject
            {
                ["courierId"] = d.CourierId,
                ["deliveredAt"] = d.OccurredAt,
            })],
            // Goods that came back: a customer's return, once it is settled (refunded, or exchanged for a linked order) …
            ReturnSettled r => [One(OutboundEventTypes.OrderReturned, r.OrderId, r.At, new JsonObject
            {
                ["returnId"] = r.ReturnId,
                ["reason"] = "return",
                ["refunded"] = r.Refunded,
                ["exchangeOrderId"] = r.ExchangeOrderId,
            })],
            // … or a parcel the carrier returned to sender.
            ShipmentReturnedToSender r => [One(OutboundEventTypes.OrderReturned, r.OrderId, r.At, new JsonObject
            {
                ["shipmentId"] = r.ShipmentId,
                ["reason"] = "returnedToSender",
                ["returnedAt"] = r.ReturnedAt,
            })],
            // A SKU's low-stock alert, raised once when its available units fall below its threshold, and its end: events
            // about a SKU rather than an order, with a null order id.
            LowStockRaised l => [One(OutboundEventTypes.StockLow, null, l.At, new JsonObject
            {
                ["sku"] = l.Sku,
                ["available"] = l.Available,
                ["threshold"] = l.Threshold,
            })],
            LowStockCleared l => [One(OutboundEventTypes.StockLowCleared, null, l.At, new JsonObject
            {
                ["sku"] = l.Sku,
                ["available"] = l.Available,
                ["threshold"] = l.Threshold,
            })],
            _ => [],
        };
    }

    /// <summary>"evt_" and 32 hex digits of SHA-256 over persistence id, sequence number and type: stable across re-reads of the journal.</summary>
    public static string EventIdOf(string persistenceId, long sequenceNr, string type)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{persistenceId}\n{sequenceNr}\n{type}"));
        return "evt_" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    private static JsonObject Placed(OrderPlaced p) => new()
    {
        ["status"] = Camel((p.Outcome?.Status ?? OrderStatus.Placed).ToString()),
        ["channel"] = p.Channel,
        ["externalId"] = p.ExternalId,
        ["customerId"] = p.CustomerId,
        ["currency"] = p.Currency,
        ["total"] = p.Total,
        ["paymentMethod"] = Camel(p.PaymentMethod.ToString()),
        ["expiresAt"] = p.ExpiresAt.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["lines"] = new JsonArray([.. p.Lines.Select(l => (JsonNode)new JsonObject
        {
            ["sku"] = l.Sku,
            ["quantity"] = l.Quantity,
            ["unitPrice"] = l.UnitPrice,
            ["lineTotal"] = l.LineTotal,
        })]),
    };

    private static string Camel(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);
}
