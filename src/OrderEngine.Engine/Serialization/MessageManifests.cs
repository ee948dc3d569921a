using System.Collections.Frozen;
using System.Text.Json.Serialization.Metadata;
using OrderEngine.Domain.Cases;
using OrderEngine.Domain.Customers;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Returns;
using OrderEngine.Domain.Shipments;
using OrderEngine.Domain.Products;
using OrderEngine.Domain.ShippingMethods;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Projections;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Serialization;

/// <summary>
/// The storage contract: each message type's stable manifest string. Stored events are read back by these names,
/// so renaming a C# type is harmless but changing a manifest (or a field's meaning) is a migration.
/// </summary>
public static class MessageManifests
{
    private static readonly (Type Type, string Manifest, JsonTypeInfo Info)[] Entries = Build();

    private static readonly FrozenDictionary<Type, (string Manifest, JsonTypeInfo Info)> ByType =
        Entries.ToFrozenDictionary(e => e.Type, e => (e.Manifest, e.Info));

    private static readonly FrozenDictionary<string, JsonTypeInfo> ByManifest =
        Entries.ToFrozenDictionary(e => e.Manifest, e => e.Info, StringComparer.Ordinal);

    /// <summary>Every type the serializer handles.</summary>
    public static IReadOnlyCollection<Type> Types => ByType.Keys;

    internal static bool TryGet(Type type, out string manifest, out JsonTypeInfo info)
    {
        if (ByType.TryGetValue(type, out var e))
        {
            (manifest, info) = e;
            return true;
        }
        manifest = "";
        info = null!;
        return false;
    }

    internal static bool TryGet(string manifest, out JsonTypeInfo info) => ByManifest.TryGetValue(manifest, out info!);

    public static string ManifestOf(Type type) => ByType[type].Manifest;

    private static (Type, string, JsonTypeInfo)[] Build()
    {
        var c = OrderEngineJsonContext.Default;
        return
        [
            (typeof(RebuildProjection), "projection.rebuild", c.RebuildProjection),
            (typeof(ProjectionRebuildAnswer), "projection.rebuild-answer", c.ProjectionRebuildAnswer),
            (typeof(SetOnHand), "stock.set-on-hand", c.SetOnHand),
            (typeof(AdjustOnHand), "stock.adjust-on-hand", c.AdjustOnHand),
            (typeof(ReserveStock), "stock.reserve", c.ReserveStock),
            (typeof(CommitReservation), "stock.commit", c.CommitReservation),
            (typeof(ReleaseReservation), "stock.release", c.ReleaseReservation),
            (typeof(ExpireDueReservations), "stock.expire-due", c.ExpireDueReservations),
            (typeof(GetStock), "stock.get", c.GetStock),
            (typeof(OnHandSet), "stock.on-hand-set", c.OnHandSet),
            (typeof(OnHandAdjusted), "stock.on-hand-adjusted", c.OnHandAdjusted),
            (typeof(StockReserved), "stock.reserved", c.StockReserved),
            (typeof(ReservationCommitted), "stock.reservation-committed", c.ReservationCommitted),
            (typeof(ReservationReleased), "stock.reservation-released", c.ReservationReleased),
            (typeof(ReservationsExpired), "stock.reservations-expired", c.ReservationsExpired),
            (typeof(StockAccepted), "stock.accepted", c.StockAccepted),
            (typeof(StockRefused), "stock.refused", c.StockRefused),
            (typeof(StockSnapshot), "stock.snapshot", c.StockSnapshot),
            (typeof(ExtendReservation), "stock.extend", c.ExtendReservation),
            (typeof(RestockSale), "stock.restock", c.RestockSale),
            (typeof(SetPurchaseLimit), "stock.set-purchase-limit", c.SetPurchaseLimit),
            (typeof(ReservationExtended), "stock.reservation-extended", c.ReservationExtended),
            (typeof(SaleRestocked), "stock.sale-restocked", c.SaleRestocked),
            (typeof(PurchaseLimitSet), "stock.purchase-limit-set", c.PurchaseLimitSet),
            (typeof(CheckReservable), "stock.check-reservable", c.CheckReservable),
            (typeof(StockCheckAnswer), "stock.check-answer", c.StockCheckAnswer),
            (typeof(StockAvailabilityChanged), "stock.availability-changed", c.StockAvailabilityChanged),
            (typeof(ShipSold), "stock.ship-sold", c.ShipSold),
            (typeof(ReceiveShipped), "stock.receive-shipped", c.ReceiveShipped),
            (typeof(SoldShipped), "stock.sold-shipped", c.SoldShipped),
            (typeof(ShippedReceived), "stock.shipped-received", c.ShippedReceived),
            (typeof(SetLowStockThreshold), "stock.set-low-stock-threshold", c.SetLowStockThreshold),
            (typeof(SetReplenishmentSettings), "stock.set-replenishment-settings", c.SetReplenishmentSettings),
            (typeof(LowStockThresholdSet), "stock.low-stock-threshold-set", c.LowStockThresholdSet),
            (typeof(LowStockRaised), "stock.low-stock-raised", c.LowStockRaised),
            (typeof(LowStockCleared), "stock.low-stock-cleared", c.LowStockCleared),
            (typeof(ReplenishmentSettingsSet), "stock.replenishment-settings-set", c.ReplenishmentSettingsSet),
            (typeof(NoteCustomerOrder), "customer.note-order", c.NoteCustomerOrder),
            (typeof(CustomerOrderCount), "customer.order-count", c.CustomerOrderCount),
            (typeof(PlaceOrder), "order.place", c.PlaceOrder),
            (typeof(ConfirmPayment), "order.confirm-payment", c.ConfirmPayment),
            (typeof(CancelOrder), "order.cancel", c.CancelOrder),
            (typeof(GetOrder), "order.get", c.GetOrder),
            (typeof(ReservationDue), "order.reservation-due", c.ReservationDue),
            (typeof(WakeOrder), "order.wake", c.WakeOrder),
            (typeof(CompleteReservation), "order.complete-reservation", c.CompleteReservation),
            (typeof(ExpireOrder), "order.expire", c.ExpireOrder),
            (typeof(MarkStockSettled), "order.mark-stock-settled", c.MarkStockSettled),
            (typeof(OrderPlaced), "order.placed", c.OrderPlaced),
            (typeof(OrderReserved), "order.reserved", c.OrderReserved),
            (typeof(OrderRejected), "order.rejected", c.OrderRejected),
            (typeof(PaymentConfirmed), "order.payment-confirmed", c.PaymentConfirmed),
            (typeof(OrderCancelled), "order.cancelled", c.OrderCancelled),
            (typeof(OrderExpired), "order.expired", c.OrderExpired),
            (typeof(OrderStockSettled), "order.stock-settled", c.OrderStockSettled),
            (typeof(OrderAccepted), "order.accepted", c.OrderAccepted),
            (typeof(OrderRefused), "order.refused", c.OrderRefused),
            (typeof(OrderDue), "order.due", c.OrderDue),
            (typeof(RecordProviderPayment), "order.record-provider-payment", c.RecordProviderPayment),
            (typeof(RecordRefundOutcome), "order.record-refund-outcome", c.RecordRefundOutcome),
            (typeof(ReviewOrder), "order.review", c.ReviewOrder),
            (typeof(RequestRefund), "order.request-refund", c.RequestRefund),
            (typeof(MarkRefundRestocked), "order.mark-refund-restocked", c.MarkRefundRestocked),
            (typeof(OrderConfirmed), "order.confirmed", c.OrderConfirmed),
            (typeof(OrderHeld), "order.held", c.OrderHeld),
            (typeof(OrderApproved), "order.approved", c.OrderApproved),
            (typeof(PaymentAnomalyRecorded), "order.payment-anomaly-recorded", c.PaymentAnomalyRecorded),
            (typeof(RefundRequested), "order.refund-requested", c.RefundRequested),
            (typeof(RefundSucceeded), "order.refund-succeeded", c.RefundSucceeded),
            (typeof(RefundFailed), "order.refund-failed", c.RefundFailed),
            (typeof(RefundRestocked), "order.refund-restocked", c.RefundRestocked),
            (typeof(RecordShipment), "order.record-shipment", c.RecordShipment),
            (typeof(RecordParcelOutcome), "order.record-parcel-outcome", c.RecordParcelOutcome),
            (typeof(MarkShipmentMoved), "order.mark-shipment-moved", c.MarkShipmentMoved),
            (typeof(ShipmentRecorded), "order.shipment-recorded", c.ShipmentRecorded),
            (typeof(ShipmentMoved), "order.shipment-moved", c.ShipmentMoved),
            (typeof(ShipmentDelivered), "order.shipment-delivered", c.ShipmentDelivered),
            (typeof(ShipmentReturnedToSender), "order.shipment-returned-to-sender", c.ShipmentReturnedToSender),
            (typeof(RegisterParcel), "parcel.register", c.RegisterParcel),
            (typeof(RecordTrackingUpdate), "parcel.record-tracking-update", c.RecordTrackingUpdate),
            (typeof(AcknowledgeParcelOutcome), "parcel.acknowledge-outcome", c.AcknowledgeParcelOutcome),
            (typeof(GetParcel), "parcel.get", c.GetParcel),
            (typeof(ParcelRegistered), "parcel.registered", c.ParcelRegistered),
            (typeof(TrackingUpdateRecorded), "parcel.tracking-update-recorded", c.TrackingUpdateRecorded),
            (typeof(ParcelOutcomeAcknowledged), "parcel.outcome-acknowledged", c.ParcelOutcomeAcknowledged),
            (typeof(ParcelAccepted), "parcel.accepted", c.ParcelAccepted),
            (typeof(ParcelRefused), "parcel.refused", c.ParcelRefused),
            (typeof(OpenCase), "case.open", c.OpenCase),
            (typeof(StartCase), "case.start", c.StartCase),
            (typeof(AddCaseMessage), "case.add-message", c.AddCaseMessage),
            (typeof(RequestCaseAction), "case.request-action", c.RequestCaseAction),
            (typeof(CompleteCaseAction), "case.complete-action", c.CompleteCaseAction),
            (typeof(ResolveCase), "case.resolve", c.ResolveCase),
            (typeof(CloseCase), "case.close", c.CloseCase),
            (typeof(ReopenCase), "case.reopen", c.ReopenCase),
            (typeof(GetCase), "case.get", c.GetCase),
            (typeof(CaseOpened), "case.opened", c.CaseOpened),
            (typeof(CaseStarted), "case.started", c.CaseStarted),
            (typeof(CaseMessageAdded), "case.message-added", c.CaseMessageAdded),
            (typeof(CaseActionRequested), "case.action-requested", c.CaseActionRequested),
            (typeof(CaseActionCompleted), "case.action-completed", c.CaseActionCompleted),
            (typeof(CaseResolved), "case.resolved", c.CaseResolved),
            (typeof(CaseClosed), "case.closed", c.CaseClosed),
            (typeof(CaseReopened), "case.reopened", c.CaseReopened),
            (typeof(CaseAccepted), "case.accepted", c.CaseAccepted),
            (typeof(CaseRefused), "case.refused", c.CaseRefused),
            (typeof(ChooseShippingMethod), "order.choose-shipping-method", c.ChooseShippingMethod),
            (typeof(OverrideShippingMethod), "order.override-shipping-method", c.OverrideShippingMethod),
            (typeof(ShippingMethodChosen), "order.shipping-method-chosen", c.ShippingMethodChosen),
            (typeof(RegisterReturn), "order.register-return", c.RegisterReturn),
            (typeof(ReleaseReturn), "order.release-return", c.ReleaseReturn),
            (typeof(SettleReturn), "order.settle-return", c.SettleReturn),
            (typeof(ReturnRegistered), "order.return-registered", c.ReturnRegistered),
            (typeof(ReturnReleased), "order.return-released", c.ReturnReleased),
            (typeof(ReturnSettled), "order.return-settled", c.ReturnSettled),
            (typeof(RequestReturn), "return.request", c.RequestReturn),
            (typeof(ConfirmReturnRequest), "return.confirm-request", c.ConfirmReturnRequest),
            (typeof(ApproveReturn), "return.approve", c.ApproveReturn),
            (typeof(RejectReturn), "return.reject", c.RejectReturn),
            (typeof(RecordReturnShipment), "return.record-shipment", c.RecordReturnShipment),
            (typeof(MarkReturnReceived), "return.mark-received", c.MarkReturnReceived),
            (typeof(InspectReturn), "return.inspect", c.InspectReturn),
            (typeof(MarkReturnRestocked), "return.mark-restocked", c.MarkReturnRestocked),
            (typeof(ResolveReturn), "return.resolve", c.ResolveReturn),
            (typeof(ConfirmReturnResolved), "return.confirm-resolved", c.ConfirmReturnResolved),
            (typeof(GetReturn), "return.get", c.GetReturn),
            (typeof(ReturnRequested), "return.requested", c.ReturnRequested),
            (typeof(ReturnApproved), "return.approved", c.ReturnApproved),
            (typeof(ReturnRejected), "return.rejected", c.ReturnRejected),
            (typeof(ReturnShipped), "return.shipped", c.ReturnShipped),
            (typeof(ReturnReceived), "return.received", c.ReturnReceived),
            (typeof(ReturnInspected), "return.inspected", c.ReturnInspected),
            (typeof(ReturnRestocked), "return.restocked", c.ReturnRestocked),
            (typeof(ReturnResolved), "return.resolved", c.ReturnResolved),
            (typeof(ReturnAccepted), "return.accepted", c.ReturnAccepted),
            (typeof(ReturnRefused), "return.refused", c.ReturnRefused),
            (typeof(RefundExchangeCredit), "order.refund-exchange-credit", c.RefundExchangeCredit),
            (typeof(MarkExchangeOutcomeReported), "order.mark-exchange-outcome-reported", c.MarkExchangeOutcomeReported),
            (typeof(ExchangeCreditLapsed), "order.exchange-credit-lapsed", c.ExchangeCreditLapsed),
            (typeof(ExchangeOutcomeReported), "order.exchange-outcome-reported", c.ExchangeOutcomeReported),
            (typeof(RecordExchangeOutcome), "return.record-exchange-outcome", c.RecordExchangeOutcome),
            (typeof(ConfirmExchangeCreditRefunded), "return.confirm-credit-refunded", c.ConfirmExchangeCreditRefunded),
            (typeof(ReturnExchangeSettled), "return.exchange-settled", c.ReturnExchangeSettled),
            (typeof(ReturnExchangeLapsed), "return.exchange-lapsed", c.ReturnExchangeLapsed),
            (typeof(ReturnCreditRefunded), "return.credit-refunded", c.ReturnCreditRefunded),
            (typeof(StopEntity), "entity.stop", c.StopEntity),
            (typeof(PutProduct), "product.put", c.PutProduct),
            (typeof(GetProduct), "product.get", c.GetProduct),
            (typeof(ProductDefined), "product.defined", c.ProductDefined),
            (typeof(ProductAccepted), "product.accepted", c.ProductAccepted),
            (typeof(ProductRefused), "product.refused", c.ProductRefused),
            (typeof(SetShippingRules), "shipping.set-rules", c.SetShippingRules),
            (typeof(GetShippingRules), "shipping.get-rules", c.GetShippingRules),
            (typeof(ShippingRulesSet), "shipping.rules-set", c.ShippingRulesSet),
            (typeof(ShippingRulesAnswer), "shipping.rules-answer", c.ShippingRulesAnswer),
            (typeof(ShippingRulesRefused), "shipping.rules-refused", c.ShippingRulesRefused),
            (typeof(RecordDeliveryProgress), "order.record-delivery-progress", c.RecordDeliveryProgress),
            (typeof(MarkKitchenNotified), "order.mark-kitchen-notified", c.MarkKitchenNotified),
            (typeof(KitchenNotified), "order.kitchen-notified", c.KitchenNotified),
            (typeof(DeliveryProgressRecorded), "order.delivery-progress-recorded", c.DeliveryProgressRecorded),
            (typeof(MarkDeliveryLeftStock), "order.mark-delivery-left-stock", c.MarkDeliveryLeftStock),
            (typeof(DeliveryLeftStock), "order.delivery-left-stock", c.DeliveryLeftStock),
            (typeof(ReceiveKitchenOrder), "restaurant.receive-kitchen-order", c.ReceiveKitchenOrder),
            (typeof(KitchenOrderReceived), "restaurant.kitchen-order-received", c.KitchenOrderReceived),
            (typeof(CheckRestaurantTakesOrders), "restaurant.check-takes-orders", c.CheckRestaurantTakesOrders),
            (typeof(RestaurantTakesOrders), "restaurant.takes-orders", c.RestaurantTakesOrders),
            (typeof(RecordPickupEstimate), "restaurant.record-pickup-estimate", c.RecordPickupEstimate),
            (typeof(PickupEstimateRecorded), "restaurant.pickup-estimate-recorded", c.PickupEstimateRecorded),
            (typeof(DefineRestaurant), "restaurant.define", c.DefineRestaurant),
            (typeof(PauseRestaurant), "restaurant.pause", c.PauseRestaurant),
            (typeof(ResumeRestaurant), "restaurant.resume", c.ResumeRestaurant),
            (typeof(AcceptKitchenOrder), "restaurant.accept-kitchen-order", c.AcceptKitchenOrder),
            (typeof(RejectKitchenOrder), "restaurant.reject-kitchen-order", c.RejectKitchenOrder),
            (typeof(CheckKitchenQueue), "restaurant.check-kitchen-queue", c.CheckKitchenQueue),
            (typeof(AcknowledgeDeliveryRequest), "restaurant.acknowledge-delivery-request", c.AcknowledgeDeliveryRequest),
            (typeof(AcknowledgeKitchenProgress), "restaurant.acknowledge-kitchen-progress", c.AcknowledgeKitchenProgress),
            (typeof(GetRestaurant), "restaurant.get", c.GetRestaurant),
            (typeof(RestaurantDefined), "restaurant.defined", c.RestaurantDefined),
            (typeof(RestaurantPaused), "restaurant.paused", c.RestaurantPaused),
            (typeof(RestaurantResumed), "restaurant.resumed", c.RestaurantResumed),
            (typeof(KitchenOrderQueued), "restaurant.kitchen-order-queued", c.KitchenOrderQueued),
            (typeof(KitchenOrderAccepted), "restaurant.kitchen-order-accepted", c.KitchenOrderAccepted),
            (typeof(KitchenOrderRejected), "restaurant.kitchen-order-rejected", c.KitchenOrderRejected),
            (typeof(PickupEstimated), "restaurant.pickup-estimated", c.PickupEstimated),
            (typeof(KitchenOrderCollected), "restaurant.kitchen-order-collected", c.KitchenOrderCollected),
            (typeof(DeliveryRequestAcknowledged), "restaurant.delivery-request-acknowledged", c.DeliveryRequestAcknowledged),
            (typeof(KitchenProgressAcknowledged), "restaurant.kitchen-progress-acknowledged", c.KitchenProgressAcknowledged),
            (typeof(RestaurantAccepted), "restaurant.accepted", c.RestaurantAccepted),
            (typeof(RestaurantRefused), "restaurant.refused", c.RestaurantRefused),
            (typeof(Dispatch.RestaurantSnapshot), "restaurant.snapshot", c.RestaurantSnapshot),
            (typeof(DefineCourier), "courier.define", c.DefineCourier),
            (typeof(GoOnline), "courier.go-online", c.GoOnline),
            (typeof(GoOffline), "courier.go-offline", c.GoOffline),
            (typeof(ReportPosition), "courier.report-position", c.ReportPosition),
            (typeof(ActOnDelivery), "courier.act-on-delivery", c.ActOnDelivery),
            (typeof(GetCourier), "courier.get", c.GetCourier),
            (typeof(CourierDefined), "courier.defined", c.CourierDefined),
            (typeof(CourierZoneChanged), "courier.zone-changed", c.CourierZoneChanged),
            (typeof(CourierAccepted), "courier.accepted", c.CourierAccepted),
            (typeof(CourierRefused), "courier.refused", c.CourierRefused),
            (typeof(ConfigureZone), "zone.configure", c.ConfigureZone),
            (typeof(CourierOnline), "zone.courier-online", c.CourierOnline),
            (typeof(CourierOffline), "zone.courier-offline", c.CourierOffline),
            (typeof(UpdateCourierPosition), "zone.update-courier-position", c.UpdateCourierPosition),
            (typeof(AcceptOffer), "zone.accept-offer", c.AcceptOffer),
            (typeof(DeclineOffer), "zone.decline-offer", c.DeclineOffer),
            (typeof(ConfirmPickup), "zone.confirm-pickup", c.ConfirmPickup),
            (typeof(ConfirmDelivery), "zone.confirm-delivery", c.ConfirmDelivery),
            (typeof(DispatchTick), "zone.dispatch-tick", c.DispatchTick),
            (typeof(AcknowledgeNotice), "zone.acknowledge-notice", c.AcknowledgeNotice),
            (typeof(GetZone), "zone.get", c.GetZone),
            (typeof(GetZoneCourier), "zone.get-courier", c.GetZoneCourier),
            (typeof(ZoneConfigured), "zone.configured", c.ZoneConfigured),
            (typeof(CourierJoined), "zone.courier-joined", c.CourierJoined),
            (typeof(CourierLeft), "zone.courier-left", c.CourierLeft),
            (typeof(CourierMoved), "zone.courier-moved", c.CourierMoved),
            (typeof(DeliveryRequested), "zone.delivery-requested", c.DeliveryRequested),
            (typeof(DeliveryOffered), "zone.delivery-offered", c.DeliveryOffered),
            (typeof(OfferAccepted), "zone.offer-accepted", c.OfferAccepted),
            (typeof(OfferDeclined), "zone.offer-declined", c.OfferDeclined),
            (typeof(CourierReleased), "zone.courier-released", c.CourierReleased),
            (typeof(DeliveryPickedUp), "zone.delivery-picked-up", c.DeliveryPickedUp),
            (typeof(DeliveryDelivered), "zone.delivery-delivered", c.DeliveryDelivered),
            (typeof(DeliveryFlagged), "zone.delivery-flagged", c.DeliveryFlagged),
            (typeof(NoticeAcknowledged), "zone.notice-acknowledged", c.NoticeAcknowledged),
            (typeof(ZoneAccepted), "zone.accepted", c.ZoneAccepted),
            (typeof(ZoneRefused), "zone.refused", c.ZoneRefused),
            (typeof(RequestDelivery), "zone.request-delivery", c.RequestDelivery),
            (typeof(DeliveryRequestReceived), "zone.delivery-request-received", c.DeliveryRequestReceived),
            (typeof(ZoneSnapshot), "zone.snapshot", c.ZoneSnapshot),
        ];
    }
}
