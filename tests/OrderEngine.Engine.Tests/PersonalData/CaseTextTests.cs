using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using OrderEngine.Domain.Cases;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Serialization;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.PersonalData;

/// <summary>A case's texts sealed with its customer's key at rest, opened on reading, and erased with the customer's key.</summary>
public sealed class CaseTextTests : SealingTestKit
{
    private static readonly DateTimeOffset T = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Every text a case event carries, with the customer's id on each.</summary>
    private static ICaseEvent[] CaseOf(string caseId, string customerId, string who) =>
    [
        new CaseOpened(caseId, "o-" + caseId, CaseType.Damaged, $"{who}'s parcel arrived soaked at 12 Analytical Row", who + " herself", T.AddHours(24), T, customerId),
        new CaseStarted(caseId, "key:alice", T),
        new CaseMessageAdded(caseId, "m-1", CaseAuthor.Customer, who + " Lovelace", $"call me on +44 20 7946 {who.Length}001", T, customerId),
        new CaseActionRequested(caseId, "a-1", CaseActionType.Refund, "r-1", 4m, [], "key:alice", $"goodwill for {who}", T, customerId),
        new CaseActionCompleted(caseId, "a-1", CaseActionOutcome.Accepted, "refund r-1 requested", T),
        new CaseResolved(caseId, $"refunded {who} in full", "key:alice", T, customerId),
        new CaseReopened(caseId, $"{who} says the refund never came", "key:alice", T, customerId),
    ];

    private static string[] TextsOf(string who) =>
        [who + "'s parcel", "Analytical", who + " herself", who + " Lovelace", "7946", "goodwill for " + who, "refunded " + who, who + " says"];

    private static string ViewJson(IEnumerable<ICaseEvent> events) =>
        JsonSerializer.Serialize(CaseDecider.Fold(CaseState.Initial(events.First().CaseId), events).ToView(T));

    private static List<(byte[] Bytes, string Manifest)> Write(OrderEngineSerializer serializer, IEnumerable<ICaseEvent> events) =>
        [.. events.Select(e => (serializer.ToBinary(e), serializer.Manifest(e)))];

    private static ICaseEvent[] Read(OrderEngineSerializer serializer, List<(byte[] Bytes, string Manifest)> stored) =>
        [.. stored.Select(s => (ICaseEvent)serializer.FromBinary(s.Bytes, s.Manifest))];

    [Fact]
    public async Task Case_texts_are_stored_without_their_values_and_read_back_whole_on_any_node()
    {
        await Keys.EnsureAsync("c-ada");
        var serializer = SerializerWith(Keys);
        var events = CaseOf("case-ada", "c-ada", "Ada");

        var stored = Write(serializer, events);

        var text = string.Join("\n", stored.Select(s => Encoding.UTF8.GetString(s.Bytes)));
        foreach (var value in TextsOf("Ada")) Assert.DoesNotContain(value, text, StringComparison.Ordinal);
        // The facts the read table, SLAs and actions need stay clear.
        foreach (var value in new[] { "case-ada", "o-case-ada", "c-ada", "Damaged", "key:alice", "r-1" }) Assert.Contains(value, text, StringComparison.Ordinal);
        Assert.Equal(5, stored.Count(s => Encoding.UTF8.GetString(s.Bytes).Contains(PersonalDataCipher.Prefix, StringComparison.Ordinal)));
        Assert.Equal(events.Select(Json), Read(serializer, stored).Select(Json));

        // Another node (an empty cache) reads the key from the table.
        await using var other = NewStore();
        Assert.Equal(events.Select(Json), Read(SerializerWith(other), stored).Select(Json));
    }

    [Fact]
    public async Task After_an_erasure_the_case_texts_read_as_erased_and_another_customers_case_is_intact()
    {
        await Keys.EnsureAsync("c-ada");
        await Keys.EnsureAsync("c-bob");
        var serializer = SerializerWith(Keys);
        var ada = CaseOf("case-ada", "c-ada", "Ada");
        var bob = CaseOf("case-bob", "c-bob", "Bob");
        var adaStored = Write(serializer, ada);
        var bobStored = Write(serializer, bob);

        await Keys.EraseAsync("c-ada", "key:admin", CancellationToken.None);

        foreach (var s in new[] { serializer, SerializerWith(NewStore()) })
        {
            var read = Read(s, adaStored);
            var view = CaseDecider.Fold(CaseState.Initial("case-ada"), read).ToView(T);
            Assert.Equal(PersonalDataCipher.Erased, view.Description);
            Assert.Equal(PersonalDataCipher.Erased, view.OpenedBy);
            var message = Assert.Single(view.Messages);
            Assert.Equal((PersonalDataCipher.Erased, PersonalDataCipher.Erased), (message.Name, message.Text));
            Assert.Equal(PersonalDataCipher.Erased, Assert.Single(view.Actions).Note);
            var all = JsonSerializer.Serialize(view);
            foreach (var value in TextsOf("Ada")) Assert.DoesNotContain(value, all, StringComparison.Ordinal);
            // Everything else is as written: status, type, order, action, amounts, times.
            Assert.Equal((CaseStatus.InProgress, "o-case-ada", CaseType.Damaged, 4m, CaseActionOutcome.Accepted),
                (view.Status, view.OrderId, view.Type, view.Actions[0].Amount, view.Actions[0].Outcome));
            Assert.Equal(bob.Select(Json), Read(s, bobStored).Select(Json));
        }
    }

    [Fact]
    public void A_case_in_memory_forgets_its_texts_exactly_as_a_restart_reads_them_after_the_erasure()
    {
        var events = CaseOf("case-ada", "c-ada", "Ada");
        var inMemory = CaseDecider.Fold(CaseState.Initial("case-ada"), events);
        Assert.True(CaseTextCipher.HoldsClearText(inMemory));

        var forgotten = CaseTextCipher.Forget(inMemory);

        // What recovery gives once the key is gone: the events with their sealed texts as erased.
        var key = PersonalDataCipher.NewKey();
        var recovered = events.Select(e => (ICaseEvent)CaseTextCipher.OpenWith(CaseTextCipher.SealWith(e, key), null)).ToArray();
        Assert.Equal(ViewJson(recovered), JsonSerializer.Serialize(forgotten.ToView(T)));
        Assert.False(CaseTextCipher.HoldsClearText(forgotten));
    }

    [Fact]
    public async Task A_case_text_written_for_a_customer_known_as_erased_holds_no_value()
    {
        await Keys.EnsureAsync("c-ada");
        await Keys.EraseAsync("c-ada", "key:admin", CancellationToken.None);
        var serializer = SerializerWith(Keys);

        var stored = Write(serializer, CaseOf("case-ada", "c-ada", "Ada"));

        var text = string.Join("\n", stored.Select(s => Encoding.UTF8.GetString(s.Bytes)));
        foreach (var value in TextsOf("Ada")) Assert.DoesNotContain(value, text, StringComparison.Ordinal);
        Assert.Equal(PersonalDataCipher.Erased, ((CaseMessageAdded)Read(serializer, stored)[2]).Text);
    }

    [Fact]
    public void Case_events_stored_before_they_carried_a_customer_still_read_in_clear()
    {
        // Written by the engine before case events carried the customer id: stored events are a contract, so these
        // texts must keep reading, as they are (nothing to open them with, nothing sealed).
        (string Manifest, string Stored, ICaseEvent Expected)[] stored =
        [
            ("case.opened", """{"caseId":"case-old","orderId":"o-old","type":"Damaged","description":"the box was crushed","openedBy":"Ada","dueAt":"2026-12-05T10:00:00+00:00","at":"2026-12-04T10:00:00+00:00"}""",
                new CaseOpened("case-old", "o-old", CaseType.Damaged, "the box was crushed", "Ada", T.AddHours(24), T)),
            ("case.message-added", """{"caseId":"case-old","messageId":"m-1","author":"Customer","name":"Ada","text":"photo attached","at":"2026-12-04T10:00:00+00:00"}""",
                new CaseMessageAdded("case-old", "m-1", CaseAuthor.Customer, "Ada", "photo attached", T)),
            ("case.resolved", """{"caseId":"case-old","resolution":"refunded","by":"alice","at":"2026-12-04T10:00:00+00:00"}""",
                new CaseResolved("case-old", "refunded", "alice", T)),
        ];
        var serializer = SerializerWith(Keys);
        foreach (var (manifest, json, expected) in stored)
            Assert.Equal(Json(expected), Json(serializer.FromBinary(Encoding.UTF8.GetBytes(json), manifest)));
        // And a case without a customer is written as it is (its texts have no key to be sealed with).
        var old = (CaseMessageAdded)stored[1].Expected;
        Assert.Contains("photo attached", Encoding.UTF8.GetString(serializer.ToBinary(old)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_case_event_printed_into_a_log_line_shows_no_text()
    {
        var events = CaseOf("case-ada", "c-ada", "Ada");
        var state = CaseDecider.Fold(CaseState.Initial("case-ada"), events);
        var printed = string.Join(" ", events.Select(e => e.ToString()))
            + $" {new OpenCase("case-ada", "o-1", CaseType.Damaged, "Ada's parcel arrived", "Ada herself")}"
            + $" {new AddCaseMessage("case-ada", "m-1", CaseAuthor.Customer, "Ada Lovelace", "call me on 7946")} {state.Messages[0]}";
        foreach (var value in TextsOf("Ada")) Assert.DoesNotContain(value, printed, StringComparison.Ordinal);
        Assert.Contains("case-ada", printed, StringComparison.Ordinal);
    }
}
