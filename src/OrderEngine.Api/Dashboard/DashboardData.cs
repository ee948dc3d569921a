using Akka.Hosting;
using Microsoft.Extensions.Options;
using OrderEngine.Api.Channels;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Cases;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Cases;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Reports;
using OrderEngine.Engine.Sharding;
using OrderEngine.Engine.Stock;
using OrderEngine.Ingestion.Channels;
using OrderEngine.Ingestion.Intake;
using OrderEngine.Ingestion.Reconciliation;

namespace OrderEngine.Api.Dashboard;

/// <summary>What needs a person first: held orders, cases past due, low stock, quarantined records.</summary>
public sealed record DashboardSummary(int HeldOrders, int CasesPastDue, int LowStock, int Quarantined, IReadOnlyList<ChannelStatsView> Channels);

/// <summary>One held order in the review queue, with the reasons the automatic review gave.</summary>
public sealed record HeldOrder(OrderSearchItem Order, IReadOnlyList<string> Reasons);

/// <summary>The outcome of an action taken on the dashboard: done, or refused with the engine's reason.</summary>
public sealed record ActionResult(bool Ok, string Message)
{
    public static ActionResult Done(string message) => new(true, message);
    public static ActionResult Refused(string message) => new(false, message);
}

/// <summary>
/// The dashboard's reads and actions, in process: the same stores, read tables and entities the /api endpoints use
/// (never HTTP to itself). Every action first asks <see cref="DashboardAccess.EnsureAsync"/> whether the signed-in key
/// may still do it.
/// </summary>
public sealed class DashboardData(
    DashboardAccess access,
    OrderSearchStore search,
    ReportStore reports,
    StockAlertStore alerts,
    CaseProjectionStore cases,
    OrderTimelineQuery timeline,
    QuarantineStore quarantine,
    ChannelStats channelStats,
    QuarantineRetry retry,
    ChannelReconciliation reconciliation,
    EntityGateway gateway,
    IRequiredActor<OrderRegion> orders,
    IRequiredActor<StockRegion> stock,
    IRequiredActor<ZoneRegion> zones,
    IRequiredActor<CaseRegion> caseRegion,
    IOptions<OrderEngineOptions> options,
    TimeProvider clock,
    IServiceProvider services)
{
    public const int QueueLimit = 200;

    /// <summary>The home page's counts; cases only for those who may see cases (<paramref name="withCases"/>), else 0.</summary>
    public async Task<DashboardSummary> SummaryAsync(bool withCases, CancellationToken ct)
    {
        var held = await search.SearchAsync(new OrderSearchQuery(Status: "onHold", Limit: OrderSearchQuery.MaxLimit), ct);
        var pastDue = 0;
        if (withCases)
        {
            var caseRows = await cases.ListAsync(null, null, CaseProjectionStore.MaxLimit, 0, clock.GetUtcNow(), ct);
            pastDue = caseRows.Count(c => c.Overdue && c.Status is "open" or "inProgress");
        }
        var low = await OpenAlertsAsync(ct);
        var channels = await channelStats.ReadAsync(ct);
        var quarantined = 0;
        foreach (var channel in channels)
            quarantined += (await quarantine.ListAsync(channel.Channel, false, 1000, ct)).Count(r => !r.IsErased); // nobody can act on an erased one
        return new DashboardSummary(held.Items.Count, pastDue, low.Count, quarantined, channels);
    }

    // ---- orders

    /// <summary>The order search; a customer id that is an email finds its pseudonymous id's orders and its older ones under the email.</summary>
    public async Task<OrderSearchPage> SearchAsync(OrderSearchQuery query, CancellationToken ct) =>
        query.CustomerId is { } customer && CustomerEmails.IsEmail(customer)
            ? await search.SearchAnyCustomerAsync(query, CustomerEmails.LookupIds(customer, services.GetRequiredService<CustomerIdPseudonymizer>()), ct)
            : await search.SearchAsync(query, ct);

    public async Task<OrderView?> OrderAsync(string id, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return null;
        return await gateway.Ask<IOrderReply>(orders.ActorRef, new GetOrder(id), ct) is OrderAccepted a ? a.View : null;
    }

    public Task<IReadOnlyList<TimelineEntry>> TimelineAsync(string id, CancellationToken ct) => timeline.ReadAsync(id, ct);

    public async Task<IReadOnlyList<CaseRow>> CasesOfAsync(string orderId, CancellationToken ct)
    {
        await access.EnsureAsync(DashboardAction.Operate, ct);
        return await cases.ListAsync(null, orderId, CaseProjectionStore.MaxLimit, 0, clock.GetUtcNow(), ct);
    }

    public async Task<IReadOnlyList<CaseRow>> OpenCasesAsync(CancellationToken ct)
    {
        await access.EnsureAsync(DashboardAction.Operate, ct);
        return (await cases.ListAsync(null, null, CaseProjectionStore.MaxLimit, 0, clock.GetUtcNow(), ct))
            .Where(c => c.Status is "open" or "inProgress").ToList();
    }

    public async Task<IReadOnlyList<HeldOrder>> HeldOrdersAsync(CancellationToken ct)
    {
        var page = await search.SearchAsync(new OrderSearchQuery(Status: "onHold", Limit: QueueLimit), ct);
        var held = new List<HeldOrder>(page.Items.Count);
        foreach (var item in page.Items)
        {
            var view = await OrderAsync(item.OrderId, ct);
            // The read side lags the entity: an order already decided is left out of the queue.
            if (view is { Status: OrderStatus.OnHold }) held.Add(new HeldOrder(item, view.HoldReasons));
        }
        return held;
    }

    public async Task<ActionResult> ReviewAsync(string orderId, bool approve, string? reason, CancellationToken ct)
    {
        var user = await access.EnsureAsync(DashboardAction.Operate, ct);
        var reply = await gateway.Ask<IOrderReply>(orders.ActorRef,
            new ReviewOrder(orderId, approve, reason ?? (approve ? "approved on the dashboard" : "rejected on the dashboard"), DashboardAccess.Actor(user)), ct);
        return reply switch
        {
            OrderAccepted a => ActionResult.Done($"order {orderId} is {a.View.Status}"),
            OrderRefused r => ActionResult.Refused(r.Rejection.Message),
            _ => ActionResult.Refused("unexpected answer"),
        };
    }

    public async Task<ActionResult> CancelAsync(string orderId, string reason, CancellationToken ct)
    {
        var user = await access.EnsureAsync(DashboardAction.Operate, ct);
        return Order(await gateway.Ask<IOrderReply>(orders.ActorRef, new CancelOrder(orderId, reason, DashboardAccess.Actor(user)), ct), orderId);
    }

    /// <summary>Refunds an amount of a paid order (idempotent by <paramref name="refundId"/>: the page makes one per refund it offers).</summary>
    public async Task<ActionResult> RefundAsync(string orderId, string refundId, decimal amount, string reason, CancellationToken ct)
    {
        var user = await access.EnsureAsync(DashboardAction.Operate, ct);
        return Order(await gateway.Ask<IOrderReply>(orders.ActorRef,
            new RequestRefund(orderId, refundId, amount, [], reason, DashboardAccess.Actor(user)), ct), orderId);
    }

    /// <summary>The signed-in operator takes a case (open → in progress).</summary>
    public async Task<ActionResult> TakeCaseAsync(string caseId, CancellationToken ct)
    {
        var user = await access.EnsureAsync(DashboardAction.Operate, ct);
        return await gateway.Ask<ICaseReply>(caseRegion.ActorRef, new StartCase(caseId, DashboardAccess.Actor(user)), ct) switch
        {
            CaseAccepted a => ActionResult.Done($"case {caseId} is {a.View.Status}"),
            CaseRefused r => ActionResult.Refused(r.Rejection.Message),
            _ => ActionResult.Refused("unexpected answer"),
        };
    }

    private static ActionResult Order(IOrderReply reply, string orderId) => reply switch
    {
        OrderAccepted a => ActionResult.Done($"order {orderId} is {a.View.Status}"),
        OrderRefused r => ActionResult.Refused(r.Rejection.Message),
        _ => ActionResult.Refused("unexpected answer"),
    };

    // ---- stock

    public async Task<IReadOnlyList<StockAlertRow>> OpenAlertsAsync(CancellationToken ct)
    {
        var rateDays = options.Value.Stock.Replenishment.AlertRateDays;
        var today = StockAlertStore.DayOf(clock.GetUtcNow());
        return await alerts.ListAsync(null, false, StockAlertStore.MaxLimit, today - rateDays + 1, today, ct);
    }

    public async Task<InventoryReport> InventoryAsync(CancellationToken ct) =>
        await reports.InventoryAsync(new InventoryQuery(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), Limit: InventoryQuery.MaxLimit), ct);

    /// <summary>Replenishment suggestions (as GET /api/replenishment computes them): the SKUs at or below their reorder point.</summary>
    public async Task<IReadOnlyList<(string Sku, long Available, long ReorderPoint, long Suggested, decimal? DaysOfCover)>> ReorderAsync(CancellationToken ct)
    {
        var defaults = options.Value.Stock.Replenishment;
        var lastDay = StockAlertStore.DayOf(clock.GetUtcNow());
        var rows = await alerts.ReplenishmentAsync(null, lastDay - defaults.WindowDays + 1, lastDay, ct);
        var fallback = defaults.ToDefaults();
        return rows.Where(r => r.Available is not null)
            .Select(r =>
            {
                var available = Math.Max(0, r.Available ?? 0);
                var plan = Replenishment.Plan(r.Sales, available, 0, (r.Settings ?? new ReplenishmentSettings()).Over(fallback));
                return (r.Sku, available, plan.ReorderPoint, plan.SuggestedQuantity, plan.DaysOfCover, plan.AtOrBelowReorderPoint);
            })
            .Where(x => x.AtOrBelowReorderPoint)
            .OrderBy(x => x.DaysOfCover ?? decimal.MaxValue)
            .Select(x => (x.Sku, x.available, x.ReorderPoint, x.SuggestedQuantity, x.DaysOfCover))
            .ToList();
    }

    public async Task<StockView?> StockAsync(string sku, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(sku)) return null;
        return await gateway.Ask<IStockReply>(stock.ActorRef, new GetStock(sku), ct) is StockAccepted a ? a.View : null;
    }

    /// <summary>Sets the absolute count on hand, as the next version of the SKU's count.</summary>
    public async Task<ActionResult> SetStockAsync(string sku, long onHand, CancellationToken ct)
    {
        var user = await access.EnsureAsync(DashboardAction.Stock, ct);
        if (!Identifiers.IsValidEntityId(sku)) return ActionResult.Refused("sku must be " + Identifiers.EntityIdRule);
        var current = await StockAsync(sku, ct);
        return Stock(await gateway.Ask<IStockReply>(stock.ActorRef, new SetOnHand(sku, onHand, (current?.Version ?? 0) + 1, DashboardAccess.Actor(user)), ct), sku);
    }

    public async Task<ActionResult> AdjustStockAsync(string sku, long delta, AdjustmentReason reason, string? note, CancellationToken ct)
    {
        var user = await access.EnsureAsync(DashboardAction.Stock, ct);
        if (!Identifiers.IsValidEntityId(sku)) return ActionResult.Refused("sku must be " + Identifiers.EntityIdRule);
        var id = "a" + Guid.CreateVersion7().ToString("N");
        return Stock(await gateway.Ask<IStockReply>(stock.ActorRef, new AdjustOnHand(sku, id, delta, reason, note, DashboardAccess.Actor(user)), ct), sku);
    }

    public async Task<ActionResult> SetThresholdAsync(string sku, long below, CancellationToken ct)
    {
        var user = await access.EnsureAsync(DashboardAction.Stock, ct);
        if (!Identifiers.IsValidEntityId(sku)) return ActionResult.Refused("sku must be " + Identifiers.EntityIdRule);
        return Stock(await gateway.Ask<IStockReply>(stock.ActorRef, new SetLowStockThreshold(sku, below, DashboardAccess.Actor(user)), ct), sku);
    }

    private static ActionResult Stock(IStockReply reply, string sku) => reply switch
    {
        StockAccepted a => ActionResult.Done($"{sku}: on hand {a.View.OnHand}, available {a.View.Available}"),
        StockRefused r => ActionResult.Refused(r.Rejection.Message),
        _ => ActionResult.Refused("unexpected answer"),
    };

    // ---- channels

    public async Task<IReadOnlyList<ChannelStatsView>> ChannelsAsync(CancellationToken ct)
    {
        await access.EnsureAsync(DashboardAction.Reports, ct);
        return await channelStats.ReadAsync(ct);
    }

    /// <summary>A channel's open quarantine with the raw payloads (personal data: operators only, as listQuarantine).</summary>
    public async Task<IReadOnlyList<QuarantinedRecord>> QuarantineAsync(string channel, CancellationToken ct)
    {
        await access.EnsureAsync(DashboardAction.Operate, ct);
        return await quarantine.ListAsync(channel, false, 1000, ct);
    }

    /// <summary>Takes a quarantined record in again (as POST /api/channels/{channel}/quarantine/{id}/retry), with its stored or an edited payload.</summary>
    public async Task<ActionResult> RetryAsync(string channel, string id, string? payload, CancellationToken ct)
    {
        var user = await access.EnsureAsync(DashboardAction.Operate, ct);
        return await retry.RetryAsync(channel, id, string.IsNullOrEmpty(payload) ? null : payload, DashboardAccess.Actor(user), ct) switch
        {
            QuarantineRetryResult.NotFound => ActionResult.Refused($"channel {channel} has no quarantined record {id}"),
            QuarantineRetryResult.AlreadyResolved => ActionResult.Refused($"record {id} was already taken in"),
            QuarantineRetryResult.Erased => ActionResult.Refused($"record {id} was erased at a customer's request; it is not taken in again"),
            QuarantineRetryResult.UnknownFormat f => ActionResult.Refused($"record {id} came in as '{f.Format}', which this node does not read"),
            QuarantineRetryResult.NotOneRecord n => ActionResult.Refused($"a retry takes exactly one record; the payload holds {n.Count}"),
            QuarantineRetryResult.Taken { Outcome: { Outcome: IntakeOutcomeKind.Accepted or IntakeOutcomeKind.Duplicate } outcome } =>
                ActionResult.Done($"record {id} taken in as order {outcome.OrderId}"),
            QuarantineRetryResult.Taken t => ActionResult.Refused($"still refused: {t.Outcome.Reason}"),
            var other => throw new InvalidOperationException($"unhandled retry result {other}"),
        };
    }

    public async Task<ReconciliationReport> ReconcileAsync(string channel, DateTimeOffset from, DateTimeOffset to, IReadOnlyCollection<string> externalIds, CancellationToken ct)
    {
        await access.EnsureAsync(DashboardAction.Operate, ct);
        return await reconciliation.ReconcileAsync(channel, from, to, externalIds, ct);
    }

    // ---- reports

    public async Task<IReadOnlyList<SalesRow>> SalesAsync(SalesGrouping groupBy, CancellationToken ct)
    {
        await access.EnsureAsync(DashboardAction.Reports, ct);
        return (await reports.SalesAsync(new SalesQuery(groupBy), ct)).Rows;
    }

    // ---- dispatch

    public async Task<ZoneView?> ZoneAsync(string zoneId, CancellationToken ct)
    {
        if (!Geo.IsGeohash(zoneId)) return null;
        return await gateway.Ask<IZoneReply>(zones.ActorRef, new GetZone(zoneId), ct) is ZoneAccepted a ? a.View : null;
    }

    public string ZoneOf(double latitude, double longitude) =>
        Geo.Geohash(new OrderEngine.Domain.Dispatch.GeoPoint(latitude, longitude), options.Value.Dispatch.ZonePrecision);
}
