using System.Collections.Immutable;
using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Sharding;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Shipments;

/// <summary>/api/orders/{id}/shipments and /tracking: record what left the warehouse, and follow its parcels.</summary>
public static class ShipmentsEndpoints
{
    public static WebApplication MapShipmentsApi(this WebApplication app)
    {
        var orders = app.MapGroup("/api/orders").WithTags("shipments").WithAccess();
        orders.MapPost("/{id}/shipments", ShipAsync)
            .WithSummary("Record a shipment (part or all of a paid or cash-on-delivery order) with its carrier and tracking number; idempotent by shipmentId")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422)
            .WithName("shipOrder")
            .WithDescription("Records a shipment of part or all of a paid or cash-on-delivery order with its carrier and tracking number; its units leave stock (on hand and sold both go down) and the order becomes partiallyShipped or shipped. 201, or 200 for a repeat; idempotent by shipmentId (reused differently: 422).");
        orders.MapGet("/{id}/tracking", TrackingAsync)
            .WithSummary("The order's parcels: carrier, tracking number, status, estimated delivery and tracking events")
            .ProducesProblem(404)
            .WithName("getOrderTracking")
            .WithDescription("The order's parcels: carrier, tracking number, status, estimated delivery and tracking events. Read-only.");
        return app;
    }

    private static async Task<Results<Created<OrderView>, Ok<OrderView>, ProblemHttpResult>> ShipAsync(
        string id, [FromBody] ShipmentBody body, IRequiredActor<OrderRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return NoSuchOrder(id);
        var lines = body.Lines?.Select(l => l is null ? null! : new ShipmentLine(l.Sku ?? "", l.Quantity)).ToImmutableArray() ?? [];
        var command = new RecordShipment(id, body.ShipmentId ?? "", lines, body.Carrier ?? "", body.TrackingNumber ?? "");
        return await gateway.Ask<IOrderReply>(region.ActorRef, command, ct) switch
        {
            OrderAccepted { Repeat: true } a => TypedResults.Ok(a.View),
            OrderAccepted a => TypedResults.Created($"/api/orders/{id}/tracking", a.View),
            OrderRefused r => EntityGateway.Problem(r.Rejection),
            var other => throw new InvalidOperationException($"unexpected reply {other.GetType().Name}"),
        };
    }

    private static async Task<Results<Ok<OrderTracking>, ProblemHttpResult>> TrackingAsync(
        string id, IRequiredActor<OrderRegion> orders, IRequiredActor<ParcelRegion> parcels, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return NoSuchOrder(id);
        if (await gateway.Ask<IOrderReply>(orders.ActorRef, new GetOrder(id), ct) is not OrderAccepted { View: var order })
            return NoSuchOrder(id);
        var views = await Task.WhenAll(order.Shipments.Select(s => gateway.Ask<IParcelReply>(parcels.ActorRef, new GetParcel(s.ParcelId), ct)));
        var result = order.Shipments.Zip(views, (s, reply) =>
        {
            var parcel = (reply as ParcelAccepted)?.View;
            return new ParcelTracking(s.ShipmentId, s.Carrier, s.TrackingNumber, s.Lines, s.Status,
                parcel?.Status ?? ParcelStatus.LabelCreated, parcel?.EstimatedDelivery, s.At, s.DeliveredAt, s.ReturnedAt,
                parcel?.Events ?? []);
        }).ToImmutableArray();
        return TypedResults.Ok(new OrderTracking(id, order.Status, order.Fulfilment, result));
    }

    private static ProblemHttpResult NoSuchOrder(string id) =>
        EntityGateway.Problem(OrderRejection.Of(OrderRejectionCode.NotFound, $"order {id} does not exist"));
}

/// <summary>The body of POST /api/orders/{id}/shipments.</summary>
public sealed record ShipmentBody(string? ShipmentId, List<ShipmentLineBody?>? Lines, string? Carrier, string? TrackingNumber);

/// <summary>Units of one SKU in a shipment.</summary>
public sealed record ShipmentLineBody(string? Sku, int Quantity);

/// <summary>An order's parcels as GET /api/orders/{id}/tracking shows them.</summary>
public sealed record OrderTracking(string OrderId, OrderStatus Status, Fulfilment Fulfilment, ImmutableArray<ParcelTracking> Parcels);

/// <summary>
/// One parcel: the shipment it carries, where the carrier says it is (<paramref name="Status"/>), the order's view of its
/// outcome (<paramref name="ShipmentStatus"/>), the carrier's estimate of delivery, and its tracking events.
/// </summary>
public sealed record ParcelTracking(
    string ShipmentId,
    string Carrier,
    string TrackingNumber,
    ImmutableArray<ShipmentLine> Lines,
    ShipmentStatus ShipmentStatus,
    ParcelStatus Status,
    DateTimeOffset? EstimatedDelivery,
    DateTimeOffset ShippedAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? ReturnedAt,
    ImmutableArray<TrackingEvent> Events);
