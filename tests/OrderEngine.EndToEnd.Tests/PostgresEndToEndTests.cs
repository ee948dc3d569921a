using OrderEngine.Testing;
using Xunit.Abstractions;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// The end-to-end scenarios on PostgreSQL: one throwaway server for the class, a fresh database per test. Skipped when
/// the server binaries are missing, except under CI=true, where the fixture fails instead.
/// </summary>
public sealed class PostgresEndToEndTests(PostgresFixture postgres, ITestOutputHelper output) : EngineScenarios(output), IClassFixture<PostgresFixture>
{
    protected override async Task<EngineSettings> CreateDatabaseAsync(TempDirectory directory, TimeSpan holdTime)
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("e2e_" + Guid.NewGuid().ToString("N"));
        return new EngineSettings("PostgreSql", null, connectionString, holdTime, directory.Path);
    }

    [PostgresFact]
    public Task Order_flow_reserves_sells_refuses_and_releases_stock() => OrderFlowAsync();

    [PostgresFact]
    public Task Kill_9_loses_no_acknowledged_order_payment_or_stock_movement() => KillNineLosesNothingAcknowledgedAsync();

    [PostgresFact]
    public Task Kill_9_in_the_middle_of_payments_and_cancels_loses_nothing_acknowledged() => KillNineLosesNothingAcknowledgedAsync(midBurst: true);

    [PostgresFact]
    public Task Placements_cut_off_by_kill_9_end_reserved_or_refused_when_retried_and_hold_nothing_twice() => PlacementsCutOffByKillNineCompleteAsync();

    [PostgresFact]
    public Task A_flash_sale_cut_by_kill_9_holds_each_unit_for_exactly_one_acknowledged_order() => FlashSaleCutByKillNineHoldsEachUnitOnceAsync();

    [PostgresFact]
    public Task Reservations_left_behind_by_kill_9_are_settled_by_their_expiry() => ReservationsLeftByKillNineSettleByExpiryAsync();

    [PostgresFact]
    public Task Stock_steps_cut_off_by_kill_9_are_finished_without_anyone_reading_the_orders() =>
        StockStepsCutOffByKillNineAreFinishedWithoutAnyoneReadingTheOrdersAsync();

    [PostgresFact]
    public Task A_10000_order_feed_fed_twice_makes_10000_orders() => FeedFedTwiceMakesEachOrderOnceAsync();

    [PostgresFact]
    public Task A_feed_cut_off_by_kill_9_and_fed_again_has_no_missing_and_no_duplicate_order() => FeedCutOffByKillNineIsCompletedByFeedingItAgainAsync();

    [PostgresFact]
    public Task Payments_reviews_and_refunds_work_through_the_api_and_survive_kill_9() => PaymentsReviewsAndRefundsSurviveKillNineAsync();

    [PostgresFact]
    public Task Shipments_delivery_cash_on_delivery_and_returns_to_sender_survive_kill_9() => ShipmentsDeliveryAndReturnsToSenderSurviveKillNineAsync();

    [PostgresFact]
    public Task Webhooks_reach_a_loopback_subscriber_signed_and_survive_kill_9() => WebhooksReachASubscriberAndSurviveKillNineAsync();

    [Fact]
    public Task A_rush_cut_by_kill_9_keeps_every_delivery_with_one_courier_within_capacity() => ARushCutByKillNineKeepsEveryDeliveryWithOneCourierAsync();

    [PostgresFact]
    public Task A_channel_paid_order_is_shipped_delivered_returned_refunded_and_restocked_across_kill_9() =>
        ChannelPaidOrderIsShippedDeliveredReturnedAndRefundedAcrossKillNineAsync();

    [PostgresFact]
    public Task The_read_side_lists_reports_and_alerts_what_the_entities_wrote_across_kill_9() =>
        TheReadSideListsReportsAndAlertsWhatTheEntitiesWroteAcrossKillNineAsync();

    [PostgresFact]
    public Task Crypto_shredding_erases_one_customer_in_orders_timelines_and_rebuilt_projections_across_a_restart() =>
        CryptoShreddingErasesOneCustomerEverywhereAcrossRestartAndRebuildAsync();
}
