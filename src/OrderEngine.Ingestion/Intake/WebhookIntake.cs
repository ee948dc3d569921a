using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// The pipeline webhook records share: a bounded queue in front of the intake stage. A webhook waits for its record's
/// outcome and answers the platform only then; when the queue is full it is refused at once (503), and the platform's
/// own redelivery brings the record back — refused, not dropped.
/// </summary>
public sealed class WebhookIntake : IDisposable
{
    private readonly ISourceQueueWithComplete<(IntakeRecord Record, TaskCompletionSource<IntakeOutcome> Done)> _queue;
    private readonly TimeSpan _wait;

    /// <param name="wait">How long a webhook waits for its outcome at most (the entity's ask timeout plus the time in the
    /// queue); past it — the node is stopping, say — it is answered as if the pipeline were full.</param>
    public WebhookIntake(ChannelIntake intake, ActorSystem system, int queueSize, int parallelism, TimeSpan wait)
    {
        _wait = wait;
        _queue = Source.Queue<(IntakeRecord Record, TaskCompletionSource<IntakeOutcome> Done)>(queueSize, OverflowStrategy.DropNew)
            .SelectAsync(parallelism, async item =>
            {
                try
                {
                    item.Done.TrySetResult(await intake.TakeAsync(item.Record, CancellationToken.None));
                }
                catch (Exception e)
                {
                    item.Done.TrySetException(e);
                }
                return NotUsed.Instance;
            })
            .To(Sink.Ignore<NotUsed>())
            .Run(system.Materializer());
    }

    /// <summary>The record's outcome once taken, or null when the pipeline is full (answer 503 and let the channel retry).</summary>
    public async Task<IntakeOutcome?> TakeAsync(IntakeRecord record)
    {
        var done = new TaskCompletionSource<IntakeOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        IQueueOfferResult offered;
        try
        {
            offered = await _queue.OfferAsync((record, done));
        }
        catch (Exception e) when (e is StreamDetachedException or InvalidOperationException)
        {
            return null; // the pipeline is gone (the node is stopping): not taken, and the platform redelivers
        }
        if (offered is not QueueOfferResult.Enqueued) return null;
        try
        {
            return await done.Task.WaitAsync(_wait);
        }
        catch (TimeoutException)
        {
            return null; // stuck past the entity's own timeout: answered as not taken, and a redelivery is recognised
        }
    }

    public void Dispose() => _queue.Complete();
}
