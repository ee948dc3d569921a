using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain.Cases;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Sharding;
using OrderEngine.Testing;
using Address = OrderEngine.Domain.Orders.Address;

namespace OrderEngine.Engine.Tests.PersonalData;

/// <summary>The whole node on SQLite: what the journal holds of a case's texts, and an erasure reaching the case entities.</summary>
public sealed class CaseTextJournalTests : IDisposable
{
    private static readonly Address AdaAddress = new("Ada Lovelace", "12 Analytical Row", null, "London", null, "N1 9GU", "GB", "+44 20 7946 0001");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly string[] AdaTexts = ["soaked", "Ada herself", "Ada L.", "7946 0001", "goodwill for Ada", "Ada refunded"];
    private static readonly string[] BobTexts = ["the wrong mug", "Bob himself", "Bob B.", "Rue de Rivoli", "Bob refunded"];

    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private static IActorRef Cases(EngineHost engine) => engine.Services.GetRequiredService<ActorRegistry>().Get<CaseRegion>();

    private static async Task<CaseView> Accepted(IActorRef cases, ICaseMessage message) =>
        await cases.Ask<ICaseReply>(message, Timeout) switch
        {
            CaseAccepted a => a.View,
            CaseRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    [Fact]
    public async Task The_journal_holds_no_case_text_and_an_erased_customers_case_reads_erased_in_memory_and_after_a_restart()
    {
        var path = _dir.File("oe.db");
        var settings = EngineHost.Sqlite(path);
        CaseView bobBefore;
        await using (var engine = await EngineHost.StartAsync(settings))
        {
            Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new SetOnHand("case-sku", 10, 1), Timeout));
            // Ada's order has an address (her key exists from the placement); Bob's has none, so his key is made when his case is opened.
            foreach (var (orderId, customer, address) in new[] { ("o-ada", "c-ada", AdaAddress), ("o-bob", "c-bob", (Address?)null) })
                Assert.IsType<OrderAccepted>(await engine.Orders.Ask<IOrderReply>(
                    new PlaceOrder(orderId, "web", customer, "EUR", [new OrderLineRequest("case-sku", 1, 5m)], address), Timeout));
            var cases = Cases(engine);
            var ada = await WorkedCase(cases, "case-ada", "o-ada", "the parcel arrived soaked", "Ada herself", "Ada L.", "call me on +44 20 7946 0001",
                "goodwill for Ada", "Ada refunded by hand");
            bobBefore = await WorkedCase(cases, "case-bob", "o-bob", "the wrong mug came", "Bob himself", "Bob B.", "I live at 3 Rue de Rivoli",
                null, "Bob refunded by hand");
            Assert.Equal("call me on +44 20 7946 0001", Assert.Single(ada.Messages).Text);

            var journal = await RawJournalTextAsync(path);
            Assert.Contains("case-ada", journal, StringComparison.Ordinal);
            Assert.Contains("case-bob", journal, StringComparison.Ordinal);
            foreach (var value in AdaTexts.Concat(BobTexts)) Assert.DoesNotContain(value, journal, StringComparison.Ordinal);

            await engine.Services.GetRequiredService<CustomerKeyStore>().EraseAsync("c-ada", "key:test", CancellationToken.None);

            // The entity still in memory drops its texts at its next message.
            AssertErased(await Accepted(cases, new GetCase("case-ada")));
            Assert.Equal(JsonSerializer.Serialize(bobBefore), JsonSerializer.Serialize(await Accepted(cases, new GetCase("case-bob"))));
        }

        await using (var engine = await EngineHost.StartAsync(settings))
        {
            var cases = Cases(engine);
            AssertErased(await Accepted(cases, new GetCase("case-ada")));
            var bob = await Accepted(cases, new GetCase("case-bob"));
            Assert.Equal(JsonSerializer.Serialize(bobBefore with { Overdue = bob.Overdue }), JsonSerializer.Serialize(bob));
        }
    }

    /// <summary>Opens a case, starts it, adds a customer's message, refunds by hand (a return action would involve the order), resolves it.</summary>
    private static async Task<CaseView> WorkedCase(IActorRef cases, string caseId, string orderId, string description, string openedBy, string name, string text,
        string? note, string resolution)
    {
        await Accepted(cases, new OpenCase(caseId, orderId, CaseType.Damaged, description, openedBy));
        await Accepted(cases, new StartCase(caseId, "key:alice"));
        await Accepted(cases, new AddCaseMessage(caseId, "m-1", CaseAuthor.Customer, name, text));
        if (note is not null)
        {
            // An order not paid refuses a refund: the action is recorded with its note and refused, which is all this needs.
            await Accepted(cases, new RequestCaseAction(caseId, "a-1", CaseActionType.Refund, 1m, [], "key:alice", note));
        }
        return await Accepted(cases, new ResolveCase(caseId, resolution, "key:alice"));
    }

    private static void AssertErased(CaseView view)
    {
        Assert.Equal(PersonalDataCipher.Erased, view.Description);
        Assert.Equal(PersonalDataCipher.Erased, view.OpenedBy);
        var message = Assert.Single(view.Messages);
        Assert.Equal((PersonalDataCipher.Erased, PersonalDataCipher.Erased), (message.Name, message.Text));
        Assert.Equal(PersonalDataCipher.Erased, Assert.Single(view.Actions).Note);
        Assert.Equal(PersonalDataCipher.Erased, view.Resolution);
        var all = JsonSerializer.Serialize(view);
        foreach (var value in AdaTexts) Assert.DoesNotContain(value, all, StringComparison.Ordinal);
        Assert.Equal((CaseStatus.Resolved, "o-ada", "key:alice"), (view.Status, view.OrderId, view.Assignee));
    }

    private static async Task<string> RawJournalTextAsync(string path)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT message FROM journal";
        var text = new StringBuilder();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) text.Append(Encoding.UTF8.GetString((byte[])reader[0])).Append('\n');
        return text.ToString();
    }
}
