using System.Text.Json.Serialization;
using OrderEngine.Domain.Customers;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Shipments;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Serialization;

/// <summary>
/// Source-generated System.Text.Json metadata for every message OrderEngine persists or sends: no reflection at
/// run time, and enums stored by name so reordering an enum cannot change what stored events mean.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
// stock
[JsonSerializable(typeof(SetOnHand))]
[JsonSerializable(typeof(AdjustOnHand))]
[JsonSerializable(typeof(ReserveStock))]
[JsonSerializable(typeof(CommitReservation))]
[JsonSerializable(typeof(ReleaseReservation))]
[JsonSerializable(typeof(ExpireDueReservations))]
[JsonSerializable(typeof(GetStock))]
[JsonSerializable(typeof(OnHandSet))]
[JsonSerializable(typeof(OnHandAdjusted))]
[JsonSerializable(typeof(StockReserved))]
[JsonSerializable(typeof(ReservationCommitted))]
[JsonSerializable(typeof(ReservationReleased))]
[JsonSerializable(typeof(ReservationsExpired))]
[JsonSerializable(typeof(StockAccepted))]
[JsonSerializable(typeof(StockRefused))]
[JsonSerializable(typeof(StockSnapshot))]
[JsonSerializable(typeof(ExtendReservation))]
[JsonSerializable(typeof(RestockSale))]
[JsonSerializable(typeof(SetPurchaseLimit))]
[JsonSerializable(typeof(ReservationExtended))]
[JsonSerializable(typeof(RecordShipment))]
[JsonSerializable(typeof(RecordParcelOutcome))]
[JsonSerializable(typeof(MarkShipmentMoved))]
[JsonSerializable(typeof(ShipmentRecorded))]
[JsonSerializable(typeof(ShipmentMoved))]
[JsonSerializable(typeof(ShipmentDelivered))]
[JsonSerializable(typeof(ShipmentReturnedToSender))]
[JsonSerializable(typeof(RegisterParcel))]
[JsonSerializable(typeof(RecordTrackingUpdate))]
[JsonSerializable(typeof(AcknowledgeParcelOutcome))]
[JsonSerializable(typeof(GetParcel))]
[JsonSerializable(typeof(ParcelRegistered))]
[JsonSerializable(typeof(TrackingUpdateRecorded))]
[JsonSerializable(typeof(ParcelOutcomeAcknowledged))]
[JsonSerializable(typeof(ParcelAccepted))]
[JsonSerializable(typeof(ParcelRefused))]
[JsonSerializable(typeof(SaleRestocked))]
[JsonSerializable(typeof(ShipSold))]
[JsonSerializable(typeof(ReceiveShipped))]
[JsonSerializable(typeof(SoldShipped))]
[JsonSerializable(typeof(ShippedReceived))]
[JsonSerializable(typeof(PurchaseLimitSet))]
[JsonSerializable(typeof(CheckReservable))]
[JsonSerializable(typeof(StockCheckAnswer))]
[JsonSerializable(typeof(StockAvailabilityChanged))]
// customers
[JsonSerializable(typeof(NoteCustomerOrder))]
[JsonSerializable(typeof(CustomerOrderCount))]
// orders
[JsonSerializable(typeof(PlaceOrder))]
[JsonSerializable(typeof(ConfirmPayment))]
[JsonSerializable(typeof(CancelOrder))]
[JsonSerializable(typeof(GetOrder))]
[JsonSerializable(typeof(ReservationDue))]
[JsonSerializable(typeof(WakeOrder))]
[JsonSerializable(typeof(CompleteReservation))]
[JsonSerializable(typeof(ExpireOrder))]
[JsonSerializable(typeof(MarkStockSettled))]
[JsonSerializable(typeof(OrderPlaced))]
[JsonSerializable(typeof(OrderReserved))]
[JsonSerializable(typeof(OrderRejected))]
[JsonSerializable(typeof(PaymentConfirmed))]
[JsonSerializable(typeof(OrderCancelled))]
[JsonSerializable(typeof(OrderExpired))]
[JsonSerializable(typeof(OrderStockSettled))]
[JsonSerializable(typeof(OrderAccepted))]
[JsonSerializable(typeof(OrderRefused))]
[JsonSerializable(typeof(OrderDue))]
[JsonSerializable(typeof(RecordProviderPayment))]
[JsonSerializable(typeof(RecordRefundOutcome))]
[JsonSerializable(typeof(ReviewOrder))]
[JsonSerializable(typeof(RequestRefund))]
[JsonSerializable(typeof(MarkRefundRestocked))]
[JsonSerializable(typeof(OrderConfirmed))]
[JsonSerializable(typeof(OrderHeld))]
[JsonSerializable(typeof(OrderApproved))]
[JsonSerializable(typeof(PaymentAnomalyRecorded))]
[JsonSerializable(typeof(RefundRequested))]
[JsonSerializable(typeof(RefundSucceeded))]
[JsonSerializable(typeof(RefundFailed))]
[JsonSerializable(typeof(RefundRestocked))]
// entity lifecycle
[JsonSerializable(typeof(StopEntity))]
internal sealed partial class OrderEngineJsonContext : JsonSerializerContext;
