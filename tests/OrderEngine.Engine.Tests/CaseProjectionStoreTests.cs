using Akka.Persistence.Query;
using OrderEngine.Domain.Cases;
using OrderEngine.Engine.Cases;
using OrderEngine.Engine.Hosting;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>The cases read table built from case events, and its list query, on each database.</summary>
public abstract class CaseProjectionStoreCases
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000);

    protected abstract Task<JournalDatabase> CreateDatabaseAsync();

    private static List<EventEnvelope> Envelopes(ref long offset, params ICaseEvent[] events)
    {
        var list = new List<EventEnvelope>();
        foreach (var e in events) list.Add(new EventEnvelope(Offset.Sequence(++offset), "case-" + e.CaseId, 1, e, 0, ["case"]));
        return list;
    }

    private static CaseOpened Opened(string id, string orderId, CaseType type) =>
        new(id, orderId, type, "text", null, CaseRules.Default.DueAt(type, T), T);

    [Fact]
    public async Task Cases_are_listed_by_due_time_with_their_status_assignee_and_overdue_computed_when_read()
    {
        var database = await CreateDatabaseAsync();
        database.Prepare();
        var store = new CaseProjectionStore(database);
        long offset = 0;
        var batch = Envelopes(ref offset,
            Opened("c-other", "o-1", CaseType.Other),
            Opened("c-damaged", "o-1", CaseType.Damaged),
            Opened("c-late", "o-2", CaseType.Late),
            new CaseStarted("c-late", "bob", T.AddMinutes(5)),
            new CaseMessageAdded("c-other", "m-1", CaseAuthor.Customer, "Ada", "hello", T.AddMinutes(6)));

        await store.ApplyAsync(batch, CancellationToken.None);
        await store.ApplyAsync(batch, CancellationToken.None); // a batch read again gives the same rows

        var all = await store.ListAsync(null, null, 50, 0, T.AddHours(30), CancellationToken.None);
        Assert.Equal(["c-damaged", "c-late", "c-other"], all.Select(r => r.CaseId));
        Assert.Equal([true, false, false], all.Select(r => r.Overdue));
        var late = all[1];
        Assert.Equal(("inProgress", "bob", "late", T.AddMinutes(5)), (late.Status, late.Assignee, late.Type, late.UpdatedAt));
        Assert.Equal(T.AddMinutes(6), all[2].UpdatedAt);
        Assert.Equal(["c-damaged", "c-other"], (await store.ListAsync(CaseStatus.Open, null, 50, 0, T, CancellationToken.None)).Select(r => r.CaseId));
        Assert.Equal(["c-other"], (await store.ListAsync(CaseStatus.Open, "o-1", 1, 1, T, CancellationToken.None)).Select(r => r.CaseId));
        Assert.Equal(offset, await store.LoadOffsetAsync(CancellationToken.None));

        await store.ApplyAsync(Envelopes(ref offset,
            new CaseResolved("c-damaged", "refunded", "bob", T.AddHours(1)),
            new CaseClosed("c-damaged", "bob", T.AddHours(2))), CancellationToken.None);

        var closed = Assert.Single(await store.ListAsync(CaseStatus.Closed, null, 50, 0, T.AddHours(30), CancellationToken.None));
        Assert.Equal(("c-damaged", false), (closed.CaseId, closed.Overdue));
    }
}

public sealed class SqliteCaseProjectionStoreTests : CaseProjectionStoreCases, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override Task<JournalDatabase> CreateDatabaseAsync() =>
        Task.FromResult(JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File("cases.db") }));
}

public sealed class PostgresCaseProjectionStoreTests(PostgresFixture postgres) : CaseProjectionStoreCases, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> CreateDatabaseAsync() => JournalDatabase.From(new PersistenceOptions
    {
        Provider = PersistenceProvider.PostgreSql,
        ConnectionString = await postgres.Server.CreateDatabaseAsync("cases_" + Guid.NewGuid().ToString("N")[..12]),
    });
}
