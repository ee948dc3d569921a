using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain;
using OrderEngine.Domain.Cases;
using OrderEngine.Domain.Customers;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Domain.Returns;
using OrderEngine.Domain.Shipments;
using OrderEngine.Domain.Products;
using OrderEngine.Domain.ShippingMethods;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Serialization;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Tests;

public sealed class SerializationTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 10, 0, 0, TimeSpan.FromHours(1));

    private static readonly Address SampleAddress = new("Ada Buyer", "1 Main St", null, "Berlin", "BE", "10115", "DE", "+49 30 1234");

    private static readonly OrderPlaced SamplePlaced = new("o1", "web", "c-1", "EUR",
        [new OrderLine("A-1", 2, 9.99m, 19.98m), new OrderLine("B-2", 1, 0.01m, 0.01m)], 19.99m, SampleAddress, T.AddMinutes(15), T);

    private static readonly OrderPlaced SampleDeliveryPlaced = new("o3", "web", "c-1", "EUR", [new OrderLine("A-1", 1, 9.99m, 9.99m)], 9.99m, null,
        T.AddMinutes(15), T, PaymentMethod.CashOnDelivery, Outcome: new PlacementOutcome(OrderStatus.Confirmed, [], null, T),
        Delivery: new DeliveryRequest("r-1", new GeoPoint(52.52, 13.405), T.AddMinutes(45)));

    private static readonly ICaseEvent[] SampleCaseEvents =
    [
        new CaseOpened("case-1", "o1", CaseType.Damaged, "crushed box", "c-1", T.AddHours(24), T, "c-1"),
        new CaseStarted("case-1", "alice", T),
        new CaseMessageAdded("case-1", "m-1", CaseAuthor.Customer, "Ada", "photo attached", T),
        new CaseActionRequested("case-1", "a-1", CaseActionType.Refund, "r-1", 5m, [], "alice", null, T),
        new CaseActionCompleted("case-1", "a-1", CaseActionOutcome.Accepted, "refund r-1 requested", T),
    ];
    private static readonly RequestReturn SampleReturnRequest = new("o1", "ret-1", [new ReturnLine("A-1", 2)], "too small", ReturnResolution.Exchange,
        [new OrderLineRequest("A-2", 1, 12.5m)]);

    private static readonly ReturnRequested SampleReturnRequested = new("o1", "ret-1", [new ReturnLine("A-1", 2)], "too small", ReturnResolution.Exchange,
        [new OrderLineRequest("A-2", 1, 12.5m)], 19.98m, "EUR", T);

    /// <summary>One realistic instance of every message type, with every optional field set.</summary>
    public static IEnumerable<object> Samples()
    {
        var view = new StockView("A-1", 10, 2, 3, 5, 4);
        var state = OrderDecider.Fold(OrderState.Initial("o1"),
        [
            SamplePlaced,
            new OrderRejected("o1", [new LineRejection("B-2", "InsufficientStock", "requested 1, available 0")], T),
        ]);
        var stockState = StockDecider.Fold(StockState.Initial("A-1"),
        [
            new OnHandSet("A-1", 10, 1, T),
            new OnHandAdjusted("A-1", "adj-1", 2, AdjustmentReason.Received, "pallet 7", T, "key:ann"),
            new StockReserved("A-1", "o1", 2, T.AddMinutes(15), T),
            new StockReserved("A-1", "o2", 1, T.AddMinutes(15), T),
            new ReservationCommitted("A-1", "o2", 1, T),
        ]);
        return
        [
            new SetOnHand("A-1", 10, 1, "key:ann"),
            new AdjustOnHand("A-1", "adj-1", -2, AdjustmentReason.Damaged, "dropped", "user:bob"),
            new ReserveStock("A-1", "o1", 2, T),
            new CommitReservation("A-1", "o1"),
            new ReleaseReservation("A-1", "o1"),
            new ExpireDueReservations("A-1", TimeSpan.FromMinutes(10)),
            new GetStock("A-1"),
            new OnHandSet("A-1", 10, 1, T, "key:ann"),
            new OnHandAdjusted("A-1", "adj-1", 2, AdjustmentReason.Returned, "rma 5", T, "user:bob"),
            new StockReserved("A-1", "o1", 2, T.AddMinutes(15), T),
            new ReservationCommitted("A-1", "o1", 2, T),
            new ReservationReleased("A-1", "o1", 2, T),
            new ReservationsExpired("A-1", [new ExpiredReservation("o1", 2), new ExpiredReservation("o3", 1)], T),
            new StockAccepted("A-1", StockOperation.Reserve, "o1", view),
            new StockRefused("A-1", StockOperation.Reserve, "o1", new StockRejection(StockRejectionCode.InsufficientStock, "requested 9, available 5"), view),
            StockSnapshot.From(stockState),
            new PlaceOrder("o1", "web", "c-1", "EUR", [new OrderLineRequest("A-1", 2, 9.99m)], SampleAddress),
            new PlaceOrder("o2", "shop", "c-1", "EUR", [new OrderLineRequest("A-1", 2, 9.99m), new OrderLineRequest("A-1", 1, 5m)], SampleAddress,
                PaymentMethod.Card, new OrderCharges(4.9m, 0m, 1m), "ext-2", new ChannelPayment("paypal", 28.88m, "EUR", "tx-2"), T.AddMinutes(-1)),
            new ConfirmPayment("o1", 19.99m, "EUR", "psp-123"),
            new CancelOrder("o1", "changed my mind", "key:ann"),
            new GetOrder("o1"),
            new ReservationDue("o1", "A-1"),
            new WakeOrder("o1"),
            new CompleteReservation("o1", [new LineReservationOutcome("A-1", true, null, null), new LineReservationOutcome("B-2", false, "UnknownSku", "not stocked")]),
            new ExpireOrder("o1"),
            new MarkStockSettled("o1"),
            SamplePlaced,
            new OrderReserved("o1", T),
            new OrderRejected("o1", [new LineRejection("B-2", "InsufficientStock", "requested 1, available 0")], T),
            new PaymentConfirmed("o1", 19.99m, "EUR", "psp-123", T),
            new OrderCancelled("o1", "customer request", T),
            new OrderExpired("o1", T),
            new OrderStockSettled("o1", T),
            // delivery orders
            new OrderStockSettled("o1", T, DeliveryWorkOwed: true),
            new PlaceOrder("o3", "web", "c-1", "EUR", [new OrderLineRequest("A-1", 1, 9.99m)], null, PaymentMethod.CashOnDelivery,
                Delivery: new DeliveryRequest("r-1", new GeoPoint(52.52, 13.405), T.AddMinutes(45))),
            SampleDeliveryPlaced,
            new RecordDeliveryProgress("o3", "z-1", DeliveryStage.CourierAssigned, "c-7", T.AddMinutes(30), "second courier", T),
            new MarkKitchenNotified("o3", "r-1"),
            new MarkDeliveryLeftStock("o3"),
            new DeliveryLeftStock("o3", T),
            new KitchenNotified("o3", "r-1", T),
            new DeliveryProgressRecorded("o3", "z-1", DeliveryStage.CourierAssigned, "c-7", T.AddMinutes(30), "second courier", T, T.AddSeconds(1)),
            new OrderAccepted("o3", OrderDecider.Fold(OrderState.Initial("o3"),
            [
                SampleDeliveryPlaced,
                new KitchenNotified("o3", "r-1", T),
                new DeliveryProgressRecorded("o3", "z-1", DeliveryStage.CourierAssigned, "c-7", T.AddMinutes(30), "second courier", T, T.AddSeconds(1)),
            ]).ToView()),
            new OrderAccepted("o1", state.ToView()),
            new OrderRefused("o1", new OrderRejection(OrderRejectionCode.Invalid, "the order is invalid", [new FieldError("lines[0].quantity", "must be 1 or more")])),
            new OrderRefused("o1", OrderRejection.NotReserved([new LineRejection("A-1", "InsufficientStock", "requested 2, available 1")])),
            SamplePlaced with { Outcome = new PlacementOutcome(OrderStatus.OnHold, ["total above 1000 EUR"], T.AddHours(24), T.AddSeconds(1)) },
            SamplePlaced with
            {
                Channel = "shopify",
                Outcome = new PlacementOutcome(OrderStatus.Paid, [], null, T.AddSeconds(1)),
                PaidAtChannel = new ChannelPayment("shopify_payments", 19.99m, "EUR", "tx-1"),
                PlacedAt = T.AddMinutes(-3),
            },
            new ReleaseReservation("A-1", "o1", Unplaced: true),
            new CheckReservable("A-1", "o1", 2),
            new StockCheckAnswer("A-1", "o1", ReservableOutcome.Refused, new StockRejection(StockRejectionCode.InsufficientStock, "requested 2, available 0")),
            new StockCheckAnswer("A-1", "o2", ReservableOutcome.HeldByOrder, null),
            new StockAvailabilityChanged("A-1", true, T),
            new ReservationReleased("A-1", "o1", 2, T, Unplaced: true),
            StopEntity.Instance,
            new ExtendReservation("A-1", "o1", T.AddHours(24)),
            new RestockSale("A-1", "o1", "s-1", 2, "c-1"),
            new SetPurchaseLimit("A-1", 2, "key:ann"),
            new ReservationExtended("A-1", "o1", T.AddHours(24), T),
            new SaleRestocked("A-1", "o1", "s-1", 2, T, "c-1"),
            new PurchaseLimitSet("A-1", 2, T, "key:ann"),
            new SetLowStockThreshold("A-1", 10, "key:ann"),
            new SetReplenishmentSettings("A-1", new ReplenishmentSettings(5, 0.975m, null, 14), "key:ann"),
            new LowStockThresholdSet("A-1", 10, T, "key:ann"),
            new LowStockRaised("A-1", 9, 10, T),
            new LowStockCleared("A-1", 12, 10, T),
            new ReplenishmentSettingsSet("A-1", new ReplenishmentSettings(5, null, 40, 14), T, "key:ann"),
            new StockAccepted("A-1", StockOperation.SetAlert, "", new StockView("A-1", 10, 2, 3, 5, 4, null, 10, true, new ReplenishmentSettings(5, 0.975m, null, 14),
                new StockChange("key:ann", T, "low-stock threshold set to 10"))),
            StockSnapshot.From(StockDecider.Fold(StockState.Initial("A-1"),
            [
                new OnHandSet("A-1", 10, 1, T),
                new LowStockThresholdSet("A-1", 12, T),
                new LowStockRaised("A-1", 10, 12, T),
                new ReplenishmentSettingsSet("A-1", new ReplenishmentSettings(5, 0.975m, null, 14), T, "key:ann"),
            ])),
            new NoteCustomerOrder("c-1", "o1", T, TimeSpan.FromHours(1)),
            new CustomerOrderCount("c-1", "o1", 3),
            new OrderDue("o1", T.AddMinutes(15)),
            new RecordProviderPayment("o1", "sandbox", "evt_1", "pay_1", 19.99m, "EUR"),
            new RecordRefundOutcome("o1", "r-1", false, "re_1", "card expired", "evt_2"),
            new RecordRefundOutcome("o1", "r-3", true, "shop-refund-1", null, RecordedBy: "ada"),
            new ReviewOrder("o1", true, "looks fine", "alice"),
            new RequestRefund("o1", "r-1", null, [new RefundLine("A-1", 1)], "damaged", "operator:alice"),
            new MarkRefundRestocked("o1", "r-1"),
            new OrderConfirmed("o1", T),
            new OrderHeld("o1", ["total above 1000 EUR", "customer on the block list"], T.AddHours(24), T),
            new OrderApproved("o1", "alice", "called the customer", T.AddMinutes(15), T),
            new PaymentAnomalyRecorded("o1", "sandbox", "evt_3", "pay_2", 5m, "USD", "currency USD differs", T),
            new RefundRequested("o1", "r-1", "pay_1", "sandbox", 9.99m, "EUR", [new RefundLine("A-1", 1)], "damaged", "operator:alice", T),
            new RefundSucceeded("o1", "r-1", "re_1", T, "evt_4", "sandbox"),
            new RefundFailed("o1", "r-2", "card expired", T, "evt_5", "sandbox"),
            new RefundRestocked("o1", "r-1", T),
            new ShipSold("A-1", "o1", "m-1", 2),
            new ReceiveShipped("A-1", "o1", "m-2", 1),
            new SoldShipped("A-1", "o1", "m-1", 2, T),
            new ShippedReceived("A-1", "o1", "m-2", 1, T),
            new RecordShipment("o1", "sh-1", [new ShipmentLine("A-1", 2)], "dhl", "JJD0001"),
            new RecordParcelOutcome("o1", "sh-1", ParcelStatus.Delivered, T),
            new MarkShipmentMoved("o1", "sh-1", ShipmentMovement.Left),
            new ShipmentRecorded("o1", "sh-1", [new ShipmentLine("A-1", 2)], "dhl", "JJD0001", "p1", T),
            new ShipmentMoved("o1", "sh-1", ShipmentMovement.Back, T),
            new ShipmentDelivered("o1", "sh-1", T.AddDays(-1), T),
            new ShipmentReturnedToSender("o1", "sh-1", T.AddDays(-1), T),
            new RegisterParcel("p1", "JJD0001", "dhl", "o1", "sh-1"),
            new RecordTrackingUpdate("p1", "JJD0001", "sandbox", "evt_9", ParcelStatus.OutForDelivery, T, T.AddHours(4), "Berlin, DE", "out for delivery"),
            new AcknowledgeParcelOutcome("p1", "o1", "sh-1", ParcelStatus.Delivered),
            new GetParcel("p1"),
            new ParcelRegistered("p1", "JJD0001", "dhl", "o1", "sh-1", T),
            new TrackingUpdateRecorded("p1", "JJD0001", "sandbox", "evt_9", ParcelStatus.Delivered, T, null, "Berlin, DE", "delivered", T),
            new ParcelOutcomeAcknowledged("p1", "o1", "sh-1", ParcelStatus.Delivered, T),
            new ParcelAccepted("p1", ParcelState.Initial("p1") is var p
                ? ParcelDecider.Fold(p, [new ParcelRegistered("p1", "JJD0001", "dhl", "o1", "sh-1", T),
                    new TrackingUpdateRecorded("p1", "JJD0001", "sandbox", "evt_9", ParcelStatus.InTransit, T, T.AddDays(1), "Leipzig", "sorted", T)]).ToView()
                : null!, Repeat: true),
            new ParcelRefused("p1", new ParcelRejection(ParcelRejectionCode.NotFound, "parcel p1 is not known")),
            new ChooseShippingMethod("o1", new OrderEngine.Domain.ShippingMethods.ShippingChoice("standard", OrderEngine.Domain.ShippingMethods.ShippingKind.Standard,
                "DHL Paket", 4.90m, "EUR", new DateOnly(2026, 12, 7), new DateOnly(2026, 12, 9), "cheapest eligible: standard")),
            new OverrideShippingMethod("o1", new OrderEngine.Domain.ShippingMethods.ShippingChoice("express", OrderEngine.Domain.ShippingMethods.ShippingKind.Express,
                "DHL Express", 12.90m, "EUR", null, null, "chosen by ann", "ann")),
            new ShippingMethodChosen("o1", new OrderEngine.Domain.ShippingMethods.ShippingChoice(null, null, null, null, "EUR", null, null, "no zone serves US"), T),
            new PutProduct("A-1", "Mug", 0.4m, new Dimensions(12, 10, 9.5m), false, "691200"),
            new GetProduct("A-1"),
            new ProductDefined("A-1", "Mug", 0.4m, new Dimensions(12, 10, 9.5m), false, "691200", 2, T),
            new ProductAccepted("A-1", new ProductView("A-1", "Mug", 0.4m, new Dimensions(12, 10, 9.5m), true, null, 1, T)),
            new ProductRefused("A-1", new ProductRejection(ProductRejectionCode.Invalid, "the product definition is invalid", [new FieldError("weightKg", "weightKg is required")])),
            new SetShippingRules(SampleRules, "alice"),
            GetShippingRules.Instance,
            new ShippingRulesSet(SampleRules, 3, "alice", T),
            new ShippingRulesAnswer(SampleRules, 3, ShippingRulesSource.Api, "alice", T),
            new ShippingRulesRefused("the shipping rules have 1 problem; nothing was changed", [new FieldError("methods", "at least one shipping method is required")]),
            .. Dispatch.DispatchSamples.All(),
            new OpenCase("case-1", "o1", CaseType.WrongItem, "got a blue one", "c-1", "c-1"),
            new StartCase("case-1", "alice"),
            new AddCaseMessage("case-1", "m-1", CaseAuthor.Customer, "Ada", "it is blue"),
            new RequestCaseAction("case-1", "a-1", CaseActionType.Refund, 5.50m, [new CaseLine("A-1", 1)], "alice", "goodwill"),
            new CompleteCaseAction("case-1", "a-1", CaseActionOutcome.Refused, "RefundTooLarge: too much"),
            new ResolveCase("case-1", "refunded", "alice"),
            new CloseCase("case-1", "alice"),
            new ReopenCase("case-1", "still blue", "alice"),
            new GetCase("case-1"),
            SampleCaseEvents[0],
            new CaseStarted("case-1", "alice", T),
            new CaseMessageAdded("case-1", "m-1", CaseAuthor.Operator, "alice", "sorry", T, "c-1"),
            new CaseActionRequested("case-1", "a-1", CaseActionType.Reship, "o-repl", null, [new CaseLine("A-1", 1)], "alice", "send another", T, "c-1"),
            new CaseActionCompleted("case-1", "a-1", CaseActionOutcome.Accepted, "replacement order o-repl placed", T),
            new CaseResolved("case-1", "reshipped", "alice", T, "c-1"),
            new CaseClosed("case-1", "alice", T),
            new CaseReopened("case-1", "still blue", "alice", T, "c-1"),
            new CaseAccepted("case-1", CaseDecider.Fold(CaseState.Initial("case-1"), SampleCaseEvents).ToView(T), Repeat: true),
            new CaseRefused("case-1", new CaseRejection(CaseRejectionCode.Invalid, "bad", [new FieldError("type", "unknown")])),
            new RegisterReturn("o1", "ret-1", [new ReturnLine("A-1", 2)], 30),
            new ReleaseReturn("o1", "ret-1"),
            new SettleReturn("o1", "ret-1", "e1", 12.5m),
            new ReturnRegistered("o1", "ret-1", [new ReturnLine("A-1", 2)], 19.98m, T),
            new ReturnReleased("o1", "ret-1", T),
            new ReturnSettled("o1", "ret-1", 7.48m, "r-ret", 12.5m, "x-ret", "e1", T),
            new OrderAccepted("o1", state.ToView() with { Returns = [new OrderReturnRecord("ret-1", [new ReturnLine("A-1", 2)], 19.98m, false, true, 7.48m, 12.5m, "e1", T)] }),
            SampleReturnRequest,
            new ConfirmReturnRequest("o1", "ret-1", SampleReturnRequest, 19.98m, "EUR"),
            new ApproveReturn("o1", "ret-1", "ops"),
            new RejectReturn("o1", "ret-1", "ops", "worn"),
            new RecordReturnShipment("o1", "ret-1", "dhl", "RET-1"),
            new MarkReturnReceived("o1", "ret-1", "wh-1"),
            new InspectReturn("o1", "ret-1", [new InspectedLine("A-1", 1, 1)], "wh-1"),
            new MarkReturnRestocked("o1", "ret-1"),
            new ResolveReturn("o1", "ret-1", "ops"),
            new ConfirmReturnResolved("o1", "ret-1", 7.48m, 12.5m, "e1"),
            new GetReturn("o1", "ret-1"),
            SampleReturnRequested,
            new ReturnApproved("o1", "ret-1", "ops", T),
            new ReturnRejected("o1", "ret-1", "ops", "worn", T),
            new ReturnShipped("o1", "ret-1", "dhl", "RET-1", T),
            new ReturnReceived("o1", "ret-1", "wh-1", T),
            new ReturnInspected("o1", "ret-1", [new InspectedLine("A-1", 1, 1)], "wh-1", T),
            new ReturnRestocked("o1", "ret-1", T),
            new ReturnResolved("o1", "ret-1", 7.48m, 12.5m, "e1", "system", T),
            new ReturnAccepted("o1", "ret-1", ReturnDecider.Fold(ReturnState.Initial("o1", "ret-1"),
                [SampleReturnRequested, new ReturnApproved("o1", "ret-1", "ops", T), new ReturnShipped("o1", "ret-1", "dhl", "RET-1", T),
                 new ReturnReceived("o1", "ret-1", "wh-1", T), new ReturnInspected("o1", "ret-1", [new InspectedLine("A-1", 1, 1)], "wh-1", T),
                 new ReturnResolved("o1", "ret-1", 7.48m, 12.5m, "e1", "system", T)]).ToView(), Repeat: true),
            new ReturnRefused("o1", "ret-1", new OrderRejection(OrderRejectionCode.Invalid, "bad", [new FieldError("lines[0].quantity", "too many")])),
            SamplePlaced with
            {
                Charges = new OrderCharges(0m, 0m, 9.99m, "exchange credit of return ret-1 of order o0"), HoldFor = TimeSpan.FromDays(7),
                ExchangeOf = new ExchangeLink("o0", "ret-1"),
            },
            new RefundExchangeCredit("o1", "ret-1", "e1"),
            new MarkExchangeOutcomeReported("e1"),
            new ExchangeCreditLapsed("o1", "ret-1", "e1", "x-ret", "r-lapsed", 12.5m, T),
            new ExchangeOutcomeReported("e1", "o1", "ret-1", true, 7.5m, T),
            new RecordExchangeOutcome("o1", "ret-1", "e1", false, 0m),
            new ConfirmExchangeCreditRefunded("o1", "ret-1", 12.5m),
            new ReturnResolved("o1", "ret-1", 0m, 12.5m, "e1", "system", T, DifferenceDue: 7.5m),
            new ReturnExchangeSettled("o1", "ret-1", "e1", 12.5m, 7.5m, T),
            new ReturnExchangeLapsed("o1", "ret-1", "e1", T),
            new ReturnCreditRefunded("o1", "ret-1", 12.5m, T),
            new ReturnAccepted("o1", "ret-1", ReturnDecider.Fold(ReturnState.Initial("o1", "ret-1"),
                [SampleReturnRequested, new ReturnResolved("o1", "ret-1", 0m, 12.5m, "e1", "system", T, DifferenceDue: 7.5m),
                 new ReturnExchangeLapsed("o1", "ret-1", "e1", T), new ReturnCreditRefunded("o1", "ret-1", 12.5m, T)]).ToView()),
            .. RestaurantSamples(),
            new Engine.Projections.RebuildProjection("read-orders"),
            new Engine.Projections.ProjectionRebuildAnswer("webhooks", false, "projection 'webhooks' cannot be rebuilt"),
        ];
    }

    private static readonly GeoPoint Kitchen = new(51.5074, -0.1278);
    private static readonly GeoPoint DropOff = new(51.5226, -0.104);

    /// <summary>Every restaurant message, the shared kitchen messages included, with every optional field set.</summary>
    private static IEnumerable<object> RestaurantSamples()
    {
        IRestaurantEvent[] events =
        [
            new RestaurantDefined("r-1", "Pasta Place", Kitchen, "gcpvj", 12.5m, ["pasta-1", "tiramisu"], true, 1, T),
            new KitchenOrderQueued("r-1", "o1", DropOff, T.AddMinutes(40), true, 2, T),
            new KitchenOrderQueued("r-1", "o2", DropOff, T.AddMinutes(30), false, 1, T),
            new KitchenOrderAccepted("r-1", "o1", 0.2m, T.AddMinutes(10), T.AddMinutes(19), "gcpvj", T),
            new KitchenOrderRejected("r-1", "o2", "out of basil", T),
            new PickupEstimated("r-1", "o1", T.AddMinutes(12), T),
            new RestaurantPaused("r-1", "queue ETA 52 min exceeds 45 min", false, T),
            new RestaurantResumed("r-1", true, T),
            new DeliveryRequestAcknowledged("r-1", "o1", T),
            new KitchenProgressAcknowledged("r-1", "o2", T),
            new KitchenOrderCollected("r-1", "o1", T.AddMinutes(13), T),
        ];
        var state = RestaurantDecider.Fold(RestaurantState.Initial("r-1"), events);
        return
        [
            .. events,
            new ReceiveKitchenOrder("r-1", "o1", DropOff, T.AddMinutes(40), 2, T),
            new KitchenOrderReceived("r-1", "o1"),
            new CheckRestaurantTakesOrders("r-1"),
            new RestaurantTakesOrders("r-1", true, false, "oven broken", Kitchen),
            new RecordPickupEstimate("r-1", "o1", T.AddMinutes(12), true),
            new PickupEstimateRecorded("r-1", "o1"),
            new DefineRestaurant("r-1", "Pasta Place", Kitchen, 12.5m, ["pasta-1"], false),
            new PauseRestaurant("r-1", "oven broken"),
            new ResumeRestaurant("r-1"),
            new AcceptKitchenOrder("r-1", "o1", 10m),
            new RejectKitchenOrder("r-1", "o1", "out of basil"),
            new CheckKitchenQueue("r-1", T),
            new AcknowledgeDeliveryRequest("r-1", "o1"),
            new AcknowledgeKitchenProgress("r-1", "o1"),
            new GetRestaurant("r-1"),
            new RestaurantAccepted("r-1", state.ToView(T), Repeat: true, Created: true),
            new RestaurantRefused("r-1", new RestaurantRejection(RestaurantRejectionCode.Invalid, "bad", [new FieldError("prepMinutes", "too long")])),
            Engine.Dispatch.RestaurantSnapshot.From(state),
        ];
    }

    /// <summary>Shipping rules with every optional field set.</summary>
    private static readonly ShippingRules SampleRules = new(
        new Warehouse("DE", "BE", "Berlin", "10115", "Europe/Berlin"),
        [new ShippingZone("berlin", [], [], [], true), new ShippingZone("by", ["DE"], ["BY"], ["80", "81"])],
        [
            new ShippingMethod("express", ShippingKind.Express, "DHL Express", ["berlin", "by"], 0.1m, 30m, 25m, 5000m, 120m,
                [new ShippingRate("EUR", "by", [new WeightBracket(2, 12.90m), new WeightBracket(31.5m, 24.90m)]), new ShippingRate("EUR", null, [], 49m, 0.80m)],
                [new FreeShippingThreshold("EUR", 100m)], new DeliveryWindow(1, 2, "16:00"), true, 1),
        ],
        1.5m);

    private static readonly JsonSerializerOptions Reflection = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        Converters = { new JsonStringEnumConverter() },
    };

    [Fact]
    public void Every_message_type_has_a_sample_here()
    {
        var sampled = Samples().Select(s => s.GetType()).ToHashSet();
        var missing = MessageManifests.Types.Where(t => !sampled.Contains(t)).Select(t => t.Name).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_concrete_marker_type_has_a_manifest()
    {
        var markerTypes = new[] { typeof(IOrderEngineMessage).Assembly, typeof(OrderEngineSerializer).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(IOrderEngineMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .ToList();
        Assert.NotEmpty(markerTypes);
        var missing = markerTypes.Where(t => !MessageManifests.Types.Contains(t)).Select(t => t.Name).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Manifests_are_unique()
    {
        var manifests = MessageManifests.Types.Select(MessageManifests.ManifestOf).ToList();
        Assert.Equal(manifests.Count, manifests.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_message_round_trips_through_the_serializer_the_actor_system_binds_to_it()
    {
        foreach (var sample in Samples())
        {
            var serializer = Sys.Serialization.FindSerializerFor(sample);
            Assert.IsType<OrderEngineSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
            var bytes = serializer.ToBinary(sample);
            var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
            Assert.IsType(sample.GetType(), back);
            // Records holding immutable arrays compare by reference, so compare every public property as written by
            // reflection: a field the stored form drops or fails to read back shows up here.
            Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(serializer.ToBinary(back)));
            Assert.Equal(JsonSerializer.Serialize(sample, sample.GetType(), Reflection), JsonSerializer.Serialize(back, back.GetType(), Reflection));
        }
    }

    [Fact]
    public void A_restaurant_snapshot_restores_the_state_it_was_taken_from()
    {
        var snapshot = (Engine.Dispatch.RestaurantSnapshot)RestaurantSamples().Last();
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(snapshot);
        var back = (Engine.Dispatch.RestaurantSnapshot)serializer.FromBinary(serializer.ToBinary(snapshot), serializer.Manifest(snapshot));
        var state = back.ToState();
        Assert.Equal(2, state.Orders.Count);
        Assert.Equal(snapshot.ToState().Orders["o1"], state.Orders["o1"]);
        Assert.Equal(snapshot.ToState().Orders["o2"], state.Orders["o2"]);
        Assert.Equal(snapshot.ToState().ToView(T).ToString(), state.ToView(T).ToString());
        Assert.Equal(["pasta-1", "tiramisu"], state.Profile!.Menu.ToArray());
    }

    [Fact]
    public void Round_trip_keeps_money_times_and_nested_values_exactly()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(SamplePlaced);
        var back = (OrderPlaced)serializer.FromBinary(serializer.ToBinary(SamplePlaced), serializer.Manifest(SamplePlaced));
        Assert.Equal(19.99m, back.Total);
        Assert.Equal(9.99m, back.Lines[0].UnitPrice);
        Assert.Equal(0.01m, back.Lines[1].LineTotal);
        Assert.Equal(T, back.At);
        Assert.Equal(T.Offset, back.At.Offset);
        Assert.Equal(SampleAddress, back.ShippingAddress);
        Assert.Equal(SamplePlaced.Lines, back.Lines.ToArray());
    }

    [Fact]
    public void Stock_snapshot_restores_the_same_state()
    {
        var state = StockDecider.Fold(StockState.Initial("A-1"),
        [
            new OnHandSet("A-1", 10, 1, T),
            new OnHandAdjusted("A-1", "adj-1", 2, AdjustmentReason.Received, null, T, "key:ann"),
            new StockReserved("A-1", "o1", 2, T.AddMinutes(15), T),
            new StockReserved("A-1", "o2", 3, T.AddMinutes(15), T),
            new ReservationCommitted("A-1", "o2", 3, T.AddSeconds(1)),
            new StockReserved("A-1", "o3", 1, T.AddMinutes(15), T.AddSeconds(2)),
            new ReservationReleased("A-1", "o3", 1, T.AddSeconds(3)),
        ]);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(StockSnapshot.From(state));
        var snapshot = StockSnapshot.From(state);
        var restored = ((StockSnapshot)serializer.FromBinary(serializer.ToBinary(snapshot), serializer.Manifest(snapshot))).ToState();

        Assert.True(restored.IsConsistent);
        Assert.Equal(state.ToView(), restored.ToView());
        Assert.Equal(new StockChange("key:ann", T, "on hand adjusted by +2 (received, adjustment adj-1)"), restored.LastChange);
        Assert.Equal(state.Reservations.OrderBy(kv => kv.Key), restored.Reservations.OrderBy(kv => kv.Key));
        // The expiry order is not stored: it is rebuilt from the reservations.
        Assert.Equal(state.ExpiryOrder, restored.ExpiryOrder);
        Assert.Equal(state.NextExpiry, restored.NextExpiry);
        Assert.Equal(state.SettledOrders.InOrder, restored.SettledOrders.InOrder);
        Assert.True(restored.SettledOrders.TryGet("o2", out var o2) && o2 == ReservationOutcome.Committed);
        Assert.True(restored.Adjustments.TryGet("adj-1", out var adj) && adj.Delta == 2);
        // A retry after recovery from the snapshot is still recognised.
        Assert.True(StockDecider.Decide(restored, new CommitReservation("A-1", "o2"), T.AddSeconds(5)).Events.IsEmpty);
    }

    [Fact]
    public void A_stock_snapshot_stored_before_the_expiry_order_existed_still_restores()
    {
        // Written by the engine before stock states kept an expiry order; a stored snapshot is a contract, so this
        // text must keep restoring, with the expiry order rebuilt from its reservations.
        const string stored = """
            {"sku":"A-1","exists":true,"onHand":22,"sold":2,"version":3,"lastSetOnHand":20,"reservations":[{"orderId":"o-a","quantity":1,"expiresAt":"2026-11-26T10:10:00+01:00"},{"orderId":"o-late","quantity":2,"expiresAt":"2026-11-26T10:30:00+01:00","customerId":"c-1"},{"orderId":"o-b","quantity":3,"expiresAt":"2026-11-26T10:10:00+01:00","customerId":"c-2"},{"orderId":"o-early","quantity":1,"expiresAt":"2026-11-26T10:05:00+01:00"}],"settledOrders":[{"orderId":"o-sold","outcome":"Committed","at":"2026-11-26T10:00:01+01:00"},{"orderId":"o-gone","outcome":"Released","at":"2026-11-26T10:00:03+01:00"}],"adjustments":[{"adjustmentId":"adj-1","delta":2,"reason":"Received","at":"2026-11-26T10:00:00+01:00"}],"perCustomerLimit":4,"customerUnits":[{"customerId":"c-1","units":4},{"customerId":"c-2","units":3}],"countedPurchases":[{"orderId":"o-sold","customerId":"c-1","units":2}]}
            """;
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new GetStock("A-1"));

        var restored = ((StockSnapshot)serializer.FromBinary(Encoding.UTF8.GetBytes(stored), "stock.snapshot")).ToState();

        Assert.True(restored.IsConsistent);
        Assert.Equal(new StockView("A-1", 22, 7, 2, 13, 3, 4), restored.ToView());
        Assert.Equal(["o-early", "o-a", "o-b", "o-late"], restored.ExpiryOrder.Select(k => k.OrderId));
        Assert.Equal(T.AddMinutes(5), restored.NextExpiry);
        var due = StockDecider.Decide(restored, new ExpireDueReservations("A-1", TimeSpan.Zero), T.AddMinutes(10));
        Assert.Equal(["o-early", "o-a", "o-b"], Assert.IsType<ReservationsExpired>(Assert.Single(due.Events)).Reservations.Select(r => r.OrderId));
        Assert.Equal(4, restored.UnitsOf("c-1"));
        Assert.True(restored.SettledOrders.TryGet("o-sold", out var sold) && sold == ReservationOutcome.Committed);
    }

    [Fact]
    public void Warehouse_writes_stored_before_they_were_attributed_still_read_with_no_one_named()
    {
        // Written by the engine before stock writes carried who made them: stored events are a contract, so these texts
        // must keep reading, with By null, and the SKU's last change names no one.
        (string Manifest, string Stored, IStockEvent Expected)[] stored =
        [
            ("stock.on-hand-set", """{"sku":"A-1","onHand":10,"version":1,"at":"2026-11-26T10:00:00+01:00"}""", new OnHandSet("A-1", 10, 1, T)),
            ("stock.on-hand-adjusted", """{"sku":"A-1","adjustmentId":"adj-1","delta":2,"reason":"Received","note":"pallet 7","at":"2026-11-26T10:00:00+01:00"}""",
                new OnHandAdjusted("A-1", "adj-1", 2, AdjustmentReason.Received, "pallet 7", T)),
            ("stock.purchase-limit-set", """{"sku":"A-1","perCustomer":2,"at":"2026-11-26T10:00:00+01:00"}""", new PurchaseLimitSet("A-1", 2, T)),
            ("stock.low-stock-threshold-set", """{"sku":"A-1","below":10,"at":"2026-11-26T10:00:00+01:00"}""", new LowStockThresholdSet("A-1", 10, T)),
            ("stock.replenishment-settings-set", """{"sku":"A-1","settings":{"leadTimeDays":5,"safetyStock":40,"reviewDays":14},"at":"2026-11-26T10:00:00+01:00"}""",
                new ReplenishmentSettingsSet("A-1", new ReplenishmentSettings(5, null, 40, 14), T)),
        ];
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new GetStock("A-1"));
        var state = StockState.Initial("A-1");
        foreach (var (manifest, text, expected) in stored)
        {
            var read = (IStockEvent)serializer.FromBinary(Encoding.UTF8.GetBytes(text), manifest);
            Assert.Equal(expected, read);
            state = StockDecider.Evolve(state, read);
            Assert.NotNull(state.LastChange);
            Assert.Null(state.LastChange.By);
            Assert.Equal(T, state.LastChange.At);
        }
        // The same events written today carry who made them, and read back with it.
        var attributed = new OnHandAdjusted("A-1", "adj-2", -1, AdjustmentReason.Damaged, null, T, "key:ann");
        var json = Encoding.UTF8.GetString(serializer.ToBinary(attributed));
        Assert.Contains("\"by\":\"key:ann\"", json);
        Assert.Equal(attributed, serializer.FromBinary(Encoding.UTF8.GetBytes(json), "stock.on-hand-adjusted"));
    }

    [Fact]
    public void Stored_events_name_their_type_by_manifest_not_by_clr_type()
    {
        var e = new StockReserved("A-1", "o1", 2, T, T);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(e);
        Assert.Equal("stock.reserved", serializer.Manifest(e));
        var json = Encoding.UTF8.GetString(serializer.ToBinary(e));
        Assert.DoesNotContain("OrderEngine.", json);
        Assert.Contains("\"orderId\":\"o1\"", json);
    }

    [Fact]
    public void An_unknown_manifest_fails_loudly()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new GetStock("A-1"));
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary("{}"u8.ToArray(), "stock.no-such-event"));
    }
}
