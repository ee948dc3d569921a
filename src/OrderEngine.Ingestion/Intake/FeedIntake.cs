using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Channels;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// Runs a feed (an HTTP body, an inbox file) through the intake pipeline as it is read: the reader is pulled only as fast
/// as order entities answer, so a slow engine slows the feed and the feed is never held whole.
/// </summary>
public sealed class FeedIntake(ChannelIntake intake, ActorSystem system, OrderRules rules, int parallelism, CustomerIdPseudonymizer? customerIds = null)
{
    /// <summary>
    /// Runs a feed to its end, handing every outcome (in order) to <paramref name="onOutcomes"/> in small batches. When
    /// the feed cannot be read on (bytes that are not UTF-8, a body over its limit) reading stops there, the records
    /// already on their way are still answered, and then the read error is thrown as a <see cref="FeedReadException"/>.
    /// </summary>
    public async Task RunAsync(string channel, IntakeSource source, TextReader reader, Func<IReadOnlyList<IntakeOutcome>, Task> onOutcomes, CancellationToken ct)
    {
        var stop = new ReadFailure();
        var (kill, done) = Source.From(() => Records(channel, source, reader, stop))
            .Via(intake.Flow(parallelism))
            .GroupedWithin(256, TimeSpan.FromMilliseconds(100))
            .ViaMaterialized(KillSwitches.Single<IEnumerable<IntakeOutcome>>(), Keep.Right)
            .ToMaterialized(Sink.ForEachAsync<IEnumerable<IntakeOutcome>>(1, batch => onOutcomes(batch.ToList())), Keep.Both)
            .Run(system.Materializer());
        await using (ct.Register(() => kill.Abort(new OperationCanceledException(ct))))
            await done;
        if (stop.Error is { } error) throw new FeedReadException(error);
    }

    private async IAsyncEnumerable<IntakeRecord> Records(string channel, IntakeSource source, TextReader reader, ReadFailure stop)
    {
        long n = 0;
        await using var results = RecordFormats.ReadAsync(source.Format, reader, rules, channel, customerIds: customerIds).GetAsyncEnumerator();
        while (true)
        {
            // A read error ends the source normally, so the records already asked of their entities are still answered.
            try
            {
                if (!await results.MoveNextAsync()) yield break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                stop.Error = e;
                yield break;
            }
            var result = results.Current;
            yield return new IntakeRecord(channel, source, result, result.Raw ?? "", ++n);
        }
    }

    private sealed class ReadFailure
    {
        public Exception? Error { get; set; }
    }
}

/// <summary>A feed could not be read to its end; every record before the failure was answered.</summary>
public sealed class FeedReadException(Exception inner) : Exception("the feed could not be read on: " + inner.Message, inner);
