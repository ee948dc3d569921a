using System.Text.Json;
using System.Text.Json.Nodes;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Adapters;

namespace OrderEngine.Ingestion.Tests;

/// <summary>Fixture loading, in-test payload edits and the checks every mapped record must pass.</summary>
internal static class IngestionTestKit
{
    /// <summary>The pseudonymizer adapters under test derive email-identified customers' ids with (a fixed test secret).</summary>
    public static readonly CustomerIdPseudonymizer CustomerIds = new([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

    /// <summary>A quarantine on this database as the engine makes one: payloads sealed with keys of their own, emails linked by pseudonym.</summary>
    public static OrderEngine.Ingestion.Intake.QuarantineStore Quarantine(OrderEngine.Engine.Hosting.JournalDatabase database, CustomerKeyStore? keys = null,
        TimeSpan? resolvedRetention = null) =>
        new(database, keys ?? Keys(database), () => CustomerIds, resolvedRetention);

    /// <summary>The customer keys of this database, with the quarantine's erasure hooked in, as the engine wires them.</summary>
    public static CustomerKeyStore Keys(OrderEngine.Engine.Hosting.JournalDatabase database, TimeProvider? clock = null) =>
        new(database, new PersonalDataOptions(), clock ?? TimeProvider.System, [new OrderEngine.Ingestion.Intake.QuarantineErasure(() => CustomerIds)]);

    public static string FixturePath(string relative) => Path.Combine(AppContext.BaseDirectory, "Fixtures", relative);

    public static string Fixture(string relative) => File.ReadAllText(FixturePath(relative));

    public static JsonNode FixtureNode(string relative) => JsonNode.Parse(Fixture(relative))!;

    /// <summary>A fixture changed in the test, so the change is visible where it is asserted on.</summary>
    public static JsonElement Edited(string relative, Action<JsonNode> edit)
    {
        var node = FixtureNode(relative);
        edit(node);
        return Element(node);
    }

    public static JsonElement Element(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement;

    public static JsonElement Element(string json) => JsonDocument.Parse(json).RootElement;

    /// <summary>
    /// What every Mapped record must be: a placement the engine's own validation accepts, whose order id is derived from
    /// (channel, externalId) and which carries that externalId, and whose total — as the engine computes it when placing — is the given channel total.
    /// </summary>
    public static PlaceOrder AssertAccepted(AdapterResult result, decimal? channelTotal = null)
    {
        var mapped = Assert.IsType<Mapped>(result);
        var c = mapped.Command;
        Assert.Empty(OrderDecider.Validate(c, OrderRules.Default));
        Assert.Equal(Identifiers.OrderIdFromExternal(mapped.Channel, mapped.ExternalId), c.OrderId);
        Assert.Equal(mapped.Channel, c.Channel);
        // The order keeps the channel's id: the channel_orders read table and reconciliation are keyed on it.
        Assert.Equal(mapped.ExternalId, c.ExternalId);
        if (channelTotal is { } expected) Assert.Equal(expected, EngineTotal(c));
        return c;
    }

    /// <summary>When the engine takes the test orders in: after every channel's order time in the fixtures.</summary>
    public static readonly DateTimeOffset EngineNow = new(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The total the order decider records when it places this command.</summary>
    public static decimal EngineTotal(PlaceOrder c)
    {
        var decision = OrderDecider.Decide(OrderState.Initial(c.OrderId), c, EngineNow, OrderRules.Default);
        Assert.False(decision.IsRejected, decision.Rejection?.Message);
        return Assert.IsType<OrderPlaced>(Assert.Single(decision.Events)).Total;
    }

    public static Refused AssertRefused(AdapterResult result, params string[] reasonParts)
    {
        var refused = Assert.IsType<Refused>(result);
        foreach (var part in reasonParts) Assert.Contains(part, refused.Reason, StringComparison.Ordinal);
        return refused;
    }

    public static void AssertLines(PlaceOrder c, params (string Sku, int Quantity, decimal UnitPrice)[] expected)
    {
        Assert.Equal(expected.Length, c.Lines.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Sku, c.Lines[i].Sku);
            Assert.Equal(expected[i].Quantity, c.Lines[i].Quantity);
            Assert.Equal(expected[i].UnitPrice, c.Lines[i].UnitPrice);
        }
    }

    /// <summary>A placement as comparable text (ImmutableArray compares by reference).</summary>
    public static string Describe(PlaceOrder c) =>
        $"{c.OrderId}|{c.Channel}|{c.CustomerId}|{c.Currency}|{string.Join(";", c.Lines.Select(l => $"{l.Sku}x{l.Quantity}@{l.UnitPrice}"))}|{c.ShippingAddress}|{c.PaymentMethod}|{c.Charges}|{c.PaidAtChannel}|{c.PlacedAt:O}";

    public static async Task<List<AdapterResult>> ToListAsync(IAsyncEnumerable<AdapterResult> results)
    {
        var list = new List<AdapterResult>();
        await foreach (var r in results) list.Add(r);
        return list;
    }
}
