using System.Net;
using System.Net.Http.Json;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>An engine whose damaged cases are due one second after they open (OrderEngine:Cases:Sla:Damaged).</summary>
public sealed class ShortSlaEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Cases:Sla:Damaged"] = "00:00:01",
    };
}

/// <summary>The configured SLA sets the due time; overdue is computed from now, on the entity and in the list; a resolved case reopens.</summary>
public sealed class CaseSlaTests(ShortSlaEngineFixture engine) : IClassFixture<ShortSlaEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task A_case_past_its_configured_sla_reads_overdue_until_it_is_resolved_and_reopening_it_brings_it_back()
    {
        var sku = Sku("case-sla");
        await _client.SetStock(sku, 5);
        var (orderId, _) = await _client.PlaceReservedOrder(Line(sku, 1, 2.00m));
        var caseId = CaseApi.NewCaseId();

        var opened = await _client.OpenedCase(orderId, caseId);
        Assert.Equal(opened.GetProperty("openedAt").GetDateTimeOffset().AddSeconds(1), opened.GetProperty("dueAt").GetDateTimeOffset());
        var overdue = await Eventually(() => _client.Case(caseId), c => c.GetProperty("overdue").GetBoolean(), TimeSpan.FromSeconds(10), "the case's overdue flag");
        Assert.Equal("open", overdue.Str("status"));
        var listed = await Eventually(() => _client.CaseList($"?orderId={orderId}"), p => p.Ids().Length == 1, TimeSpan.FromSeconds(10), "the order's cases");
        Assert.True(listed.GetProperty("items")[0].GetProperty("overdue").GetBoolean());

        using (var start = await _client.PostAsJsonAsync($"/api/cases/{caseId}/start", new { @operator = "alice" })) await ExpectStatus(start, HttpStatusCode.OK);
        using (var resolve = await _client.PostAsJsonAsync($"/api/cases/{caseId}/resolve", new { resolution = "apologised", by = "alice" }))
        {
            await ExpectStatus(resolve, HttpStatusCode.OK);
            Assert.False((await Body(resolve)).GetProperty("overdue").GetBoolean());
        }
        using var reopen = await _client.PostAsJsonAsync($"/api/cases/{caseId}/reopen", new { reason = "customer still waiting", by = "alice" });
        await ExpectStatus(reopen, HttpStatusCode.OK);
        var reopened = await Body(reopen);
        Assert.Equal(("inProgress", true), (reopened.Str("status"), reopened.GetProperty("overdue").GetBoolean()));
        await Eventually(() => _client.CaseList($"?status=inProgress&orderId={orderId}"), p => p.Ids().SequenceEqual([caseId]), TimeSpan.FromSeconds(10), "the reopened case in the list");
    }
}
