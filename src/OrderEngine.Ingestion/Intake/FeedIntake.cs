using System.Runtime.CompilerServices;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using OrderEngine.Domain.Orders;
using OrderEngine.Ingestion.Channels;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// Runs a feed (an HTTP body, an inbox file) through the intake pipeline as it is read: the reader is pulled only as fast
/// as order entities answer, so a slow engine slows the feed and the feed is never held whole.
/// </summary>
public sealed class FeedIntake(ChannelIntake intake, ActorSystem system, OrderRules rules, int parallelism)
{
    /// <summary>The outcomes of a feed's records, in feed order.</summary>
    public Source<IntakeOutcome, NotUsed> Outcomes(string channel, IntakeSource source, TextReader reader) =>
        Source.From(() => Records(channel, source, reader, CancellationToken.None)).Via(intake.Flow(parallelism));

    /// <summary>Runs a feed to its end, handing every outcome (in order) to <paramref name="onOutcomes"/> in small batches.</summary>
    public Task RunAsync(string channel, IntakeSource source, TextReader reader, Func<IReadOnlyList<IntakeOutcome>, Task> onOutcomes, CancellationToken ct)
    {
        var (kill, done) = Outcomes(channel, source, reader)
            .GroupedWithin(256, TimeSpan.FromMilliseconds(100))
            .ViaMaterialized(KillSwitches.Single<IEnumerable<IntakeOutcome>>(), Keep.Right)
            .ToMaterialized(Sink.ForEachAsync<IEnumerable<IntakeOutcome>>(1, batch => onOutcomes(batch.ToList())), Keep.Both)
            .Run(system.Materializer());
        var registration = ct.Register(() => kill.Abort(new OperationCanceledException(ct)));
        return done.ContinueWith(t =>
        {
            registration.Dispose();
            return t;
        }, TaskScheduler.Default).Unwrap();
    }

    private async IAsyncEnumerable<IntakeRecord> Records(string channel, IntakeSource source, TextReader reader, [EnumeratorCancellation] CancellationToken ct)
    {
        long n = 0;
        await foreach (var result in RecordFormats.ReadAsync(source.Format, reader, rules, ct))
            yield return new IntakeRecord(channel, source, result, result.Raw ?? "", ++n);
    }
}
