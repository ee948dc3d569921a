using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Query;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Projections;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>One reader of the journal for every projection: each gets every event past its own offset, once, in order.</summary>
public sealed class ProjectionRunnerTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// A projection kept in memory the way a SQL one keeps its rows: the events and the offset change together, so a
    /// batch it failed on is applied again and one it applied is never seen twice.
    /// </summary>
    private sealed class Recording(string name, bool rebuildable = true, long startAt = 0) : IProjection
    {
        private readonly object _gate = new();
        private long _offset = startAt;
        private readonly List<(long Offset, object Event)> _seen = [];

        public string Name => name;
        public bool Rebuildable => rebuildable;
        public int FailuresLeft;
        public int Resets;

        public IReadOnlyList<(long Offset, object Event)> Seen { get { lock (_gate) return [.. _seen]; } }

        public Task<long> LoadOffsetAsync(CancellationToken ct) { lock (_gate) return Task.FromResult(_offset); }

        public Task ApplyAsync(IReadOnlyList<EventEnvelope> events, CancellationToken ct)
        {
            if (Interlocked.Decrement(ref FailuresLeft) >= 0) throw new InvalidOperationException("the database is away");
            lock (_gate)
            {
                foreach (var e in events)
                {
                    var offset = ((Sequence)e.Offset).Value;
                    if (offset <= _offset) throw new InvalidOperationException($"offset {offset} handed twice to {name}");
                    _seen.Add((offset, e.Event));
                    _offset = offset;
                }
            }
            return Task.CompletedTask;
        }

        public Task ResetAsync(CancellationToken ct)
        {
            lock (_gate)
            {
                _seen.Clear();
                _offset = 0;
                Resets++;
            }
            return Task.CompletedTask;
        }
    }

    private static async Task PlaceAndPay(EngineHost engine, string sku, params string[] orderIds)
    {
        await engine.Stock.Ask<IStockReply>(new SetOnHand(sku, 100, 1), Patience);
        foreach (var id in orderIds)
        {
            var placed = await engine.Orders.Ask<IOrderReply>(new PlaceOrder(id, "web", "c", "EUR", [new OrderLineRequest(sku, 1, 2m)], null), Patience);
            Assert.IsType<OrderAccepted>(placed);
            await engine.Orders.Ask<IOrderReply>(new ConfirmPayment(id, 2m, "EUR", "p"), Patience);
        }
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("never: " + what);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Every_projection_gets_every_journal_event_of_every_entity_once_in_order_and_one_that_fails_gets_its_batch_again()
    {
        var a = new Recording("a");
        var flaky = new Recording("flaky") { FailuresLeft = 2 };
        await using var engine = await EngineHost.StartAsync(EngineHost.Sqlite(_dir.File("p.db")), services: s =>
        {
            s.AddSingleton<IProjection>(a);
            s.AddSingleton<IProjection>(flaky);
        });
        await PlaceAndPay(engine, "pr-1", "pr-o1", "pr-o2");

        await Eventually(() => a.Seen.Any(e => e.Event is PaymentConfirmed { OrderId: "pr-o2" }), "a saw the second payment");
        await Eventually(() => flaky.Seen.Count == a.Seen.Count, "the flaky projection caught up after its failures");
        // Order and stock events alike, strictly ascending, and the same for both.
        Assert.Contains(a.Seen, e => e.Event is IStockEvent);
        Assert.Contains(a.Seen, e => e.Event is OrderPlaced);
        Assert.Equal(a.Seen.Select(e => e.Offset).Order(), a.Seen.Select(e => e.Offset));
        Assert.Equal(a.Seen.Select(e => e.Offset), flaky.Seen.Select(e => e.Offset));
        Assert.True(flaky.FailuresLeft < 0);
    }

    [Fact]
    public async Task A_projection_that_keeps_failing_holds_back_only_itself()
    {
        var broken = new Recording("broken") { FailuresLeft = int.MaxValue };
        var after = new Recording("after");
        await using var engine = await EngineHost.StartAsync(EngineHost.Sqlite(_dir.File("b.db")), services: s =>
        {
            s.AddSingleton<IProjection>(broken);
            s.AddSingleton<IProjection>(after);
        });
        await PlaceAndPay(engine, "pr-b", "pr-o9");

        // Registered after the broken one, it still reads every event (a batch failing for one projection is applied
        // to the others first); the broken one has applied nothing and keeps its offset.
        await Eventually(() => after.Seen.Any(e => e.Event is PaymentConfirmed { OrderId: "pr-o9" }), "the projection after the broken one saw the payment");
        Assert.Empty(broken.Seen);
        Assert.Equal(0, await broken.LoadOffsetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_projection_behind_the_others_reads_from_its_own_offset_and_a_rebuild_reads_the_journal_again_for_that_one_only()
    {
        var db = _dir.File("r.db");
        var first = new Recording("first");
        await using (var engine = await EngineHost.StartAsync(EngineHost.Sqlite(db), services: s => s.AddSingleton<IProjection>(first)))
        {
            await PlaceAndPay(engine, "pr-2", "pr-o3");
            await Eventually(() => first.Seen.Any(e => e.Event is PaymentConfirmed { OrderId: "pr-o3" }), "first saw the payment");
        }
        var seenBefore = first.Seen.Count;
        var lastBefore = first.Seen[^1].Offset;

        // Restarted with a new projection at offset 0 beside one that is up to date: the new one reads everything, the
        // old one only what is new.
        var late = new Recording("late");
        var outbox = new Recording("outbox", rebuildable: false);
        await using (var engine = await EngineHost.StartAsync(EngineHost.Sqlite(db), services: s =>
                     {
                         s.AddSingleton<IProjection>(first);
                         s.AddSingleton<IProjection>(late);
                         s.AddSingleton<IProjection>(outbox);
                     }))
        {
            await PlaceAndPay(engine, "pr-2", "pr-o4");
            await Eventually(() => late.Seen.Any(e => e.Event is PaymentConfirmed { OrderId: "pr-o4" })
                                   && first.Seen.Any(e => e.Event is PaymentConfirmed { OrderId: "pr-o4" }), "both saw the new payment");
            Assert.Contains(late.Seen, e => e.Event is OrderPlaced { OrderId: "pr-o3" });
            Assert.All(first.Seen.Skip(seenBefore), e => Assert.True(e.Offset > lastBefore));
            Assert.Equal(late.Seen.Select(e => e.Offset).Where(o => o <= lastBefore), first.Seen.Take(seenBefore).Select(e => e.Offset));

            var runner = engine.Services.GetRequiredService<ActorRegistry>().Get<ProjectionRunner>();
            var unknown = await runner.Ask<ProjectionRebuildAnswer>(new RebuildProjection("nope"), Patience);
            Assert.False(unknown.Started);
            Assert.Contains("no projection", unknown.Refusal);
            var refused = await runner.Ask<ProjectionRebuildAnswer>(new RebuildProjection("outbox"), Patience);
            Assert.False(refused.Started);
            Assert.Equal(0, outbox.Resets);

            var lateCount = late.Seen.Count;
            var answer = await runner.Ask<ProjectionRebuildAnswer>(new RebuildProjection("first"), Patience);
            Assert.True(answer.Started, answer.Refusal);
            Assert.Equal(1, first.Resets);
            await Eventually(() => first.Seen.Count == late.Seen.Count, "the rebuilt projection read the journal again");
            Assert.Equal(late.Seen.Select(e => e.Offset), first.Seen.Select(e => e.Offset));
            // The others were not handed anything twice (Recording throws if they were) and got nothing new.
            Assert.Equal(lateCount, late.Seen.Count);
        }
    }
}
