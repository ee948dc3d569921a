using System.Net;
using System.Net.Http.Json;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>Each case endpoint's bad inputs: each is answered with problem details and changes nothing (the case and its order read the same after).</summary>
public sealed class BadCaseInputTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private sealed record Bad(string What, HttpContent? Body, HttpStatusCode Status, string Type);

    private static Bad Invalid(string what, object body) => new(what, JsonContent.Create(body), HttpStatusCode.BadRequest, "invalid");

    private static readonly Bad[] Unreadable =
    [
        new("not JSON", Json("{\"caseId\":"), HttpStatusCode.BadRequest, "malformed-request"),
        new("a number where text goes", Json("{\"caseId\":5,\"messageId\":5,\"actionId\":5,\"operator\":5,\"by\":5,\"resolution\":5,\"reason\":5}"),
            HttpStatusCode.BadRequest, "malformed-request"),
        new("no body", null, HttpStatusCode.BadRequest, "malformed-request"),
    ];

    private async Task<(string OrderId, string Sku)> Order()
    {
        var sku = Sku("case-bad");
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 2, 4.25m));
        return (id, sku);
    }

    /// <summary>Sends each bad request and checks its problem, then that the case (or its absence) and the order read the same.</summary>
    private async Task AssertEachRefusedAndNothingChanged(string url, string caseId, string orderId, IEnumerable<Bad> corpus)
    {
        var caseBefore = await RawCase(caseId);
        var orderBefore = (await _client.Order(orderId)).GetRawText();
        foreach (var bad in corpus)
        {
            using var response = await _client.PostAsync(url, bad.Body);
            if (bad.Body is null && response.StatusCode == HttpStatusCode.UnsupportedMediaType)
                await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
            else
            {
                try { await AssertProblem(response, bad.Status, bad.Type); }
                catch (Exception e) { throw new Xunit.Sdk.XunitException($"{bad.What}: {e.Message}"); }
            }
            Assert.True(caseBefore == await RawCase(caseId), $"{bad.What} changed case {caseId}");
        }
        Assert.Equal(orderBefore, (await _client.Order(orderId)).GetRawText());
    }

    private async Task<string> RawCase(string caseId)
    {
        using var response = await _client.GetAsync($"/api/cases/{caseId}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
            return "none";
        }
        await ExpectStatus(response, HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Opening_a_case_with_bad_input_is_a_problem_and_opens_nothing()
    {
        var (orderId, _) = await Order();
        var caseId = CaseApi.NewCaseId();
        Bad[] corpus =
        [
            .. Unreadable,
            Invalid("no caseId", new { type = "damaged", description = "crushed" }),
            Invalid("a caseId with a space", new { caseId = "bad id", type = "damaged", description = "crushed" }),
            Invalid("an unknown type", new { caseId, type = "broken", description = "crushed" }),
            Invalid("a type given as a number", new { caseId, type = "1", description = "crushed" }),
            Invalid("no type", new { caseId, description = "crushed" }),
            Invalid("no description", new { caseId, type = "damaged" }),
            Invalid("a blank description", new { caseId, type = "damaged", description = "   " }),
            Invalid("a description over 2000 characters", new { caseId, type = "damaged", description = new string('x', 2001) }),
            Invalid("a control character in openedBy", new { caseId, type = "damaged", description = "crushed", openedBy = "a\u0001b" }),
        ];
        await AssertEachRefusedAndNothingChanged($"/api/orders/{orderId}/cases", caseId, orderId, corpus);

        using var noOrder = await _client.OpenCase("no-such-order", new { caseId, type = "damaged", description = "crushed" });
        await AssertProblem(noOrder, HttpStatusCode.NotFound, "not-found");
        using var badOrderId = await _client.OpenCase("bad!order", new { caseId, type = "damaged", description = "crushed" });
        await AssertValidationProblem(badOrderId, "orderId");
        Assert.Equal("none", await RawCase(caseId));
    }

    [Fact]
    public async Task Adding_a_message_with_bad_input_is_a_problem_and_adds_nothing()
    {
        var (orderId, _) = await Order();
        var caseId = CaseApi.NewCaseId();
        await _client.OpenedCase(orderId, caseId);
        using (var first = await _client.PostAsJsonAsync($"/api/cases/{caseId}/messages", new { messageId = "m-1", author = "customer", name = "Ada", text = "photo attached" }))
            await ExpectStatus(first, HttpStatusCode.OK);
        Bad[] corpus =
        [
            .. Unreadable,
            Invalid("no messageId", new { author = "customer", name = "Ada", text = "hi" }),
            Invalid("an unknown author", new { messageId = "m-2", author = "robot", name = "Ada", text = "hi" }),
            Invalid("no name", new { messageId = "m-2", author = "customer", text = "hi" }),
            Invalid("no text", new { messageId = "m-2", author = "customer", name = "Ada" }),
            Invalid("a text over 4000 characters", new { messageId = "m-2", author = "customer", name = "Ada", text = new string('x', 4001) }),
            new("another text under a used messageId", JsonContent.Create(new { messageId = "m-1", author = "customer", name = "Ada", text = "changed" }),
                HttpStatusCode.Conflict, "idempotency-conflict"),
        ];
        await AssertEachRefusedAndNothingChanged($"/api/cases/{caseId}/messages", caseId, orderId, corpus);
        using var unknown = await _client.PostAsJsonAsync("/api/cases/no-such-case/messages", new { messageId = "m-1", author = "customer", name = "Ada", text = "hi" });
        await AssertProblem(unknown, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Starting_a_case_with_bad_input_is_a_problem_and_starts_nothing()
    {
        var (orderId, _) = await Order();
        var caseId = CaseApi.NewCaseId();
        await _client.OpenedCase(orderId, caseId);
        Bad[] corpus =
        [
            .. Unreadable,
        ];
        await AssertEachRefusedAndNothingChanged($"/api/cases/{caseId}/start", caseId, orderId, corpus);
        using var unknown = await _client.PostAsJsonAsync("/api/cases/no-such-case/start", new { @operator = "alice" });
        await AssertProblem(unknown, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task An_action_with_bad_input_is_a_problem_and_does_nothing_to_the_case_or_its_order()
    {
        var (orderId, sku) = await Order();
        var openCase = CaseApi.NewCaseId();
        await _client.OpenedCase(orderId, openCase);
        await AssertEachRefusedAndNothingChanged($"/api/cases/{openCase}/actions", openCase, orderId,
            [new("an action on a case nobody started", JsonContent.Create(new { actionId = "a-1", type = "refund", amount = 1m, by = "alice" }), HttpStatusCode.Conflict, "invalid-state")]);

        var caseId = CaseApi.NewCaseId();
        await _client.StartedCase(orderId, caseId);
        Bad[] corpus =
        [
            .. Unreadable,
            Invalid("no actionId", new { type = "refund", amount = 1m, by = "alice" }),
            Invalid("an unknown type", new { actionId = "a-1", type = "voucher", by = "alice" }),
            Invalid("a negative refund", new { actionId = "a-1", type = "refund", amount = -1m, by = "alice" }),
            Invalid("a zero refund", new { actionId = "a-1", type = "refund", amount = 0m, by = "alice" }),
            Invalid("a refund with amount and lines", new { actionId = "a-1", type = "refund", amount = 1m, lines = new[] { new { sku, quantity = 1 } }, by = "alice" }),
            Invalid("a reship without lines", new { actionId = "a-1", type = "reship", by = "alice" }),
            Invalid("a reship with an amount", new { actionId = "a-1", type = "reship", amount = 1m, lines = new[] { new { sku, quantity = 1 } }, by = "alice" }),
            Invalid("a reship of 0 units", new { actionId = "a-1", type = "reship", lines = new[] { new { sku, quantity = 0 } }, by = "alice" }),
            Invalid("a reship of a SKU twice", new { actionId = "a-1", type = "reship", lines = new[] { new { sku, quantity = 1 }, new { sku, quantity = 1 } }, by = "alice" }),
            Invalid("a reship of a SKU not on the order", new { actionId = "a-1", type = "reship", lines = new[] { new { sku = "not-on-order", quantity = 1 } }, by = "alice" }),
            Invalid("a reship of more units than ordered", new { actionId = "a-1", type = "reship", lines = new[] { new { sku, quantity = 3 } }, by = "alice" }),
            Invalid("a return without lines", new { actionId = "a-1", type = "return", by = "alice" }),
        ];
        await AssertEachRefusedAndNothingChanged($"/api/cases/{caseId}/actions", caseId, orderId, corpus);
        using var unknown = await _client.PostAsJsonAsync("/api/cases/no-such-case/actions", new { actionId = "a-1", type = "refund", amount = 1m, by = "alice" });
        await AssertProblem(unknown, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Resolving_closing_or_reopening_out_of_turn_or_with_bad_input_is_a_problem_and_changes_nothing()
    {
        var (orderId, _) = await Order();
        var caseId = CaseApi.NewCaseId();
        await _client.OpenedCase(orderId, caseId);

        await AssertEachRefusedAndNothingChanged($"/api/cases/{caseId}/resolve", caseId, orderId,
        [
            .. Unreadable,
            Invalid("no resolution", new { by = "alice" }),
            new("resolving an open case", JsonContent.Create(new { resolution = "refunded", by = "alice" }), HttpStatusCode.Conflict, "invalid-state"),
        ]);
        await AssertEachRefusedAndNothingChanged($"/api/cases/{caseId}/close", caseId, orderId,
        [
            .. Unreadable,
            new("closing an open case", JsonContent.Create(new { by = "alice" }), HttpStatusCode.Conflict, "invalid-state"),
        ]);
        await AssertEachRefusedAndNothingChanged($"/api/cases/{caseId}/reopen", caseId, orderId,
        [
            .. Unreadable,
            Invalid("no reason", new { by = "alice" }),
            new("reopening an open case", JsonContent.Create(new { reason = "again", by = "alice" }), HttpStatusCode.Conflict, "invalid-state"),
        ]);
        using var unknown = await _client.PostAsJsonAsync("/api/cases/no-such-case/close", new { by = "alice" });
        await AssertProblem(unknown, HttpStatusCode.NotFound, "not-found");
    }

    [Theory]
    [InlineData("?status=bogus", "status")]
    [InlineData("?status=none", "status")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=501", "limit")]
    [InlineData("?offset=-1", "offset")]
    [InlineData("?orderId=bad%20id", "orderId")]
    public async Task Listing_cases_with_a_bad_query_is_a_validation_problem(string query, string field)
    {
        using var response = await _client.GetAsync("/api/cases" + query);

        await AssertValidationProblem(response, field);
    }

    [Fact]
    public async Task Reading_a_case_that_does_not_exist_is_not_found()
    {
        using var response = await _client.GetAsync("/api/cases/no-such-case");

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }
}
