using System.Net;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>PUT /api/stock/{sku}, POST /api/stock/{sku}/adjustments and GET /api/stock/{sku}.</summary>
public sealed class StockApiTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task Setting_on_hand_with_a_version_is_read_back_with_all_figures()
    {
        var sku = Sku("set");

        using var put = await _client.PutStock(sku, 500, 1);

        await ExpectStatus(put, HttpStatusCode.OK);
        Assert.Equal(new StockFigures(sku, 500, 0, 0, 500), StockFigures.From(await Body(put)));
        using var get = await _client.GetAsync($"/api/stock/{sku}");
        await ExpectStatus(get, HttpStatusCode.OK);
        var body = await Body(get);
        foreach (var name in new[] { "sku", "onHand", "reserved", "sold", "available" })
            Assert.True(body.TryGetProperty(name, out _), $"GET /api/stock/{{sku}} has no '{name}': {body}");
        Assert.Equal(new StockFigures(sku, 500, 0, 0, 500), StockFigures.From(body));
    }

    [Fact]
    public async Task Reading_a_sku_that_was_never_stocked_is_a_404_problem()
    {
        using var response = await _client.GetAsync($"/api/stock/{Sku("never")}");

        await AssertProblem(response, HttpStatusCode.NotFound, "unknown-sku");
    }

    [Fact]
    public async Task Setting_on_hand_with_an_older_version_is_refused_and_changes_nothing()
    {
        var sku = Sku("stale");
        await _client.SetStock(sku, 500, version: 2);

        using var response = await _client.PutStock(sku, 300, 1);

        await AssertProblem(response, HttpStatusCode.Conflict, "stale-version");
        Assert.Equal(new StockFigures(sku, 500, 0, 0, 500), await _client.Stock(sku));
    }

    [Fact]
    public async Task Repeating_the_same_version_with_the_same_count_is_accepted_and_changes_nothing()
    {
        var sku = Sku("repeat-set");
        await _client.SetStock(sku, 500, version: 1);
        await _client.PlaceReservedOrder(Line(sku, 7, 1m));

        using var response = await _client.PutStock(sku, 500, 1);

        await ExpectStatus(response, HttpStatusCode.OK);
        var expected = new StockFigures(sku, 500, 7, 0, 493);
        Assert.Equal(expected, StockFigures.From(await Body(response)));
        Assert.Equal(expected, await _client.Stock(sku));
    }

    [Fact]
    public async Task Reusing_a_version_with_a_different_count_is_refused_and_changes_nothing()
    {
        var sku = Sku("version-conflict");
        await _client.SetStock(sku, 500, version: 1);

        using var response = await _client.PutStock(sku, 400, 1);

        await AssertProblem(response, HttpStatusCode.Conflict, "version-conflict");
        Assert.Equal(new StockFigures(sku, 500, 0, 0, 500), await _client.Stock(sku));
    }

    [Fact]
    public async Task Setting_on_hand_below_reserved_plus_sold_is_refused_and_changes_nothing()
    {
        var sku = Sku("below-held");
        await _client.SetStock(sku, 10, version: 1);
        var (paid, paidOrder) = await _client.PlaceReservedOrder(Line(sku, 3, 2m));
        using (var pay = await _client.Pay(paid, paidOrder.GetProperty("total").GetDecimal(), "EUR", "pay-" + paid))
            await ExpectStatus(pay, HttpStatusCode.OK);
        await _client.StockEventually(sku, s => s.Sold == 3);
        await _client.PlaceReservedOrder(Line(sku, 4, 2m));
        var before = new StockFigures(sku, 10, 4, 3, 3);
        Assert.Equal(before, await _client.Stock(sku));

        using var refused = await _client.PutStock(sku, 6, 2);

        await AssertProblem(refused, HttpStatusCode.Conflict, "would-break-invariant");
        Assert.Equal(before, await _client.Stock(sku));
        // The refused version was not used up: the same version with a count that covers the held units applies.
        using var accepted = await _client.PutStock(sku, 7, 2);
        await ExpectStatus(accepted, HttpStatusCode.OK);
        Assert.Equal(new StockFigures(sku, 7, 4, 3, 0), await _client.Stock(sku));
    }

    [Fact]
    public async Task An_adjustment_changes_on_hand_by_its_delta()
    {
        var sku = Sku("adjust");
        await _client.SetStock(sku, 500);

        using var response = await _client.Adjust(sku, 5, "received", "adj-" + sku);

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal(new StockFigures(sku, 505, 0, 0, 505), StockFigures.From(await Body(response)));
        Assert.Equal(new StockFigures(sku, 505, 0, 0, 505), await _client.Stock(sku));
    }

    [Fact]
    public async Task Repeating_an_adjustment_with_the_same_id_counts_it_once()
    {
        var sku = Sku("adjust-twice");
        await _client.SetStock(sku, 500);
        var id = "adj-" + sku;
        using (var first = await _client.Adjust(sku, 5, "received", id))
            await ExpectStatus(first, HttpStatusCode.OK);

        using var second = await _client.Adjust(sku, 5, "received", id);

        await ExpectStatus(second, HttpStatusCode.OK);
        Assert.Equal(505, StockFigures.From(await Body(second)).OnHand);
        Assert.Equal(new StockFigures(sku, 505, 0, 0, 505), await _client.Stock(sku));
    }

    [Fact]
    public async Task Reusing_an_adjustment_id_with_a_different_delta_is_refused_and_changes_nothing()
    {
        var sku = Sku("adjust-conflict");
        await _client.SetStock(sku, 500);
        var id = "adj-" + sku;
        using (var first = await _client.Adjust(sku, 5, "received", id))
            await ExpectStatus(first, HttpStatusCode.OK);

        using var response = await _client.Adjust(sku, 6, "received", id);

        await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "adjustment-conflict");
        Assert.Equal(new StockFigures(sku, 505, 0, 0, 505), await _client.Stock(sku));
    }

    [Theory]
    [InlineData("found-behind-the-shelf")]
    [InlineData("1")]
    [InlineData("")]
    // Enum parsing would OR a comma list into another defined reason (Damaged|Correction == Returned).
    [InlineData("damaged,correction")]
    public async Task An_adjustment_with_an_unknown_reason_is_refused_as_invalid_and_changes_nothing(string reason)
    {
        var sku = Sku("adjust-reason");
        await _client.SetStock(sku, 500);
        var id = "adj-" + sku;

        using var response = await _client.Adjust(sku, 5, reason, id);

        await AssertValidationProblem(response, "reason");
        Assert.Equal(new StockFigures(sku, 500, 0, 0, 500), await _client.Stock(sku));
        // The refused request did not use up its adjustment id.
        using var valid = await _client.Adjust(sku, 7, "received", id);
        await ExpectStatus(valid, HttpStatusCode.OK);
        Assert.Equal(507, (await _client.Stock(sku)).OnHand);
    }

    [Fact]
    public async Task An_adjustment_that_would_take_on_hand_below_reserved_plus_sold_is_refused_and_changes_nothing()
    {
        var sku = Sku("adjust-below-held");
        await _client.SetStock(sku, 10);
        await _client.PlaceReservedOrder(Line(sku, 6, 1m));

        using var response = await _client.Adjust(sku, -5, "damaged", "adj-" + sku);

        await AssertProblem(response, HttpStatusCode.Conflict, "would-break-invariant");
        Assert.Equal(new StockFigures(sku, 10, 6, 0, 4), await _client.Stock(sku));
        // Exactly down to the held units is allowed.
        using var boundary = await _client.Adjust(sku, -4, "damaged", "adj2-" + sku);
        await ExpectStatus(boundary, HttpStatusCode.OK);
        Assert.Equal(new StockFigures(sku, 6, 6, 0, 0), await _client.Stock(sku));
    }
}
