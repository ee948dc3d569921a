using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Domain.Orders;
using OrderEngine.Ingestion.Channels;
using OrderEngine.Ingestion.Intake;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace OrderEngine.Ingestion.RabbitMq;

/// <summary>
/// Consumes one RabbitMQ queue into the intake pipeline, and owns that pipeline: a connection and channel of its own, a
/// consumer with manual acknowledgement, and an Akka.Streams graph
/// <c>Source.Queue(prefetch) → records of the message → ChannelIntake.Flow → ack | nack(requeue)</c>, materialized as its
/// child. Whatever breaks (the broker is unreachable, the queue is missing, the connection or the consumer is lost, the
/// stream fails) the actor tears the whole session down and opens a new one after an exponential backoff; it never
/// fails itself, so the node never crashes for a broker.
/// </summary>
/// <remarks>
/// A message is acknowledged only once every record it carries was taken (accepted, duplicate or quarantined); when any
/// was not (the engine did not answer in time, the quarantine could not be written) it is rejected with requeue, and its
/// redelivery is recognised record by record as duplicates. A message whose session is torn down before it was settled
/// is redelivered by the broker. So no message is lost and none is taken twice.
/// The client's own automatic recovery is off on purpose: the acknowledgements in flight belong to the channel that
/// delivered them, and one path (close everything, back off, open afresh, check the queue again) covers the first
/// connection, a lost connection, a deleted queue and a cancelled consumer alike.
/// </remarks>
public sealed class RabbitMqQueueConsumer : ReceiveActor, IWithTimers
{
    /// <summary>What one consumer needs to know: the broker (with credentials), how to name it in logs, the queue and its limits.</summary>
    public sealed record Settings(Uri Broker, string Endpoint, QueueOptions Queue, ushort Prefetch, int Parallelism);

    /// <summary>Asks the consumer to take no more messages, settle those in flight and close; answered with <see cref="Drained"/>.</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    /// <summary>The answer to <see cref="Drain"/>.</summary>
    public sealed record Drained
    {
        public static readonly Drained Instance = new();
    }

    /// <summary>The first retry waits this long, each next one twice as long, up to <see cref="MaxBackoff"/> (±20 %).</summary>
    public static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A message that was not taken is handed back this long after its outcome, so an engine that refuses at once (an
    /// unwritable quarantine) is not fed the same messages in a tight loop. The waits of several messages overlap.
    /// </summary>
    public static readonly TimeSpan RequeueDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a drain waits for the messages in flight before it closes the channel (the broker then redelivers them);
    /// within the default 5 s of the coordinated-shutdown phase it runs in.
    /// </summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);

    private sealed record Connect
    {
        public static readonly Connect Instance = new();
    }

    private sealed record Opened(int Generation, IConnection Connection, IChannel Channel);

    private sealed record Consuming(int Generation, string ConsumerTag);

    private sealed record Failed(int Generation, string Reason);

    private sealed record DrainFinished(IActorRef ReplyTo);

    /// <summary>A message as delivered; the body is copied, because the client reuses its buffer once the handler returns.</summary>
    private sealed record Delivery(ulong Tag, byte[] Body);

    /// <summary>A message whose records are on their way through the intake; settled when its last record's outcome is in.</summary>
    private sealed class Pending(ulong tag)
    {
        public ulong Tag { get; } = tag;
        public string? NotTaken { get; set; }
    }

    /// <summary>A record's place in its message: the message, and whether it is the message's last record.</summary>
    private readonly record struct Slot(Pending Message, bool Last);

    private sealed record Session(IConnection Connection, IChannel Channel, ISourceQueueWithComplete<Delivery> Queue, UniqueKillSwitch Kill, Task Done)
    {
        public string? ConsumerTag { get; set; }
    }

    private readonly Settings _settings;
    private readonly ChannelIntake _intake;
    private readonly OrderRules _rules;
    private readonly CustomerIdPseudonymizer? _customerIds;
    private readonly IntakeSource _source;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _life = new();
    private Session? _session;
    private int _generation;
    private int _attempt;
    private bool _stopping;

    public RabbitMqQueueConsumer(Settings settings, ChannelIntake intake, OrderRules rules, CustomerIdPseudonymizer? customerIds = null)
    {
        _customerIds = customerIds;
        _settings = settings;
        _intake = intake;
        _rules = rules;
        _source = RabbitMqMessages.SourceOf(settings.Queue.Queue, settings.Queue.Format);

        Receive<Connect>(_ => OnConnect());
        Receive<Opened>(OnOpened);
        Receive<Consuming>(c =>
        {
            if (c.Generation != _generation || _session is null) return;
            _session.ConsumerTag = c.ConsumerTag;
            _attempt = 0;
            _log.Info("rabbitmq: consuming queue {0} on {1} as channel {2} ({3}), prefetch {4}",
                Queue, _settings.Endpoint, _settings.Queue.Channel, _settings.Queue.Format, _settings.Prefetch);
        });
        Receive<Failed>(f =>
        {
            if (f.Generation != _generation || _stopping) return;
            TearDown(f.Reason);
            var delay = Backoff(_attempt++);
            _log.Warning("rabbitmq: queue {0} on {1}: {2}; trying again in {3:0.#} s", Queue, _settings.Endpoint, f.Reason, delay.TotalSeconds);
            Timers.StartSingleTimer("connect", Connect.Instance, delay);
        });
        Receive<Drain>(_ =>
        {
            _stopping = true;
            Timers.Cancel("connect");
            var session = _session;
            _session = null;
            _generation++;
            if (session is null)
            {
                Sender.Tell(Drained.Instance);
                return;
            }
            var replyTo = Sender;
            DrainAsync(session).PipeTo(Self, success: () => new DrainFinished(replyTo), failure: _ => new DrainFinished(replyTo));
        });
        Receive<DrainFinished>(d => d.ReplyTo.Tell(Drained.Instance));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Settings settings, ChannelIntake intake, OrderRules rules, CustomerIdPseudonymizer? customerIds = null) =>
        Akka.Actor.Props.Create(() => new RabbitMqQueueConsumer(settings, intake, rules, customerIds));

    private string Queue => _settings.Queue.Queue;

    protected override void PreStart() => Self.Tell(Connect.Instance);

    protected override void PostStop()
    {
        _life.Cancel();
        TearDown("the consumer stopped");
    }

    private void OnConnect()
    {
        if (_stopping || _session is not null) return;
        var generation = ++_generation;
        OpenAsync(generation, _life.Token).PipeTo(Self, failure: e => new Failed(generation, Describe(e)));
    }

    private async Task<Opened> OpenAsync(int generation, CancellationToken ct)
    {
        var factory = new ConnectionFactory
        {
            Uri = _settings.Broker,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = TimeSpan.FromSeconds(30),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            ClientProvidedName = $"orderengine intake {Queue}",
        };
        var connection = await factory.CreateConnectionAsync(ct);
        try
        {
            var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            // Declares nothing: the queue (durable, quorum, bindings, dead-lettering) is the operator's; a missing one is retried.
            await channel.QueueDeclarePassiveAsync(Queue, ct);
            // The broker stops delivering once this many messages are unacknowledged: the engine's back-pressure reaches the queue.
            await channel.BasicQosAsync(0, _settings.Prefetch, false, ct);
            // Stopped meanwhile: nobody would close what is returned.
            ct.ThrowIfCancellationRequested();
            return new Opened(generation, connection, channel);
        }
        catch
        {
            _ = CloseAsync(null, connection, _log, Queue);
            throw;
        }
    }

    private void OnOpened(Opened opened)
    {
        if (opened.Generation != _generation || _stopping || _session is not null)
        {
            _ = CloseAsync(opened.Channel, opened.Connection, _log, Queue);
            return;
        }
        var generation = opened.Generation;
        var self = Self;
        var channel = opened.Channel;
        var log = _log;
        var queueName = Queue;
        // Acknowledgements are written one at a time; the waits before a requeue overlap.
        var writes = new SemaphoreSlim(1, 1);

        var ((queue, kill), done) = Source.Queue<Delivery>(_settings.Prefetch, OverflowStrategy.Backpressure)
            .ViaMaterialized(KillSwitches.Single<Delivery>(), Keep.Both)
            .SelectMany(Split)
            .Via(Carrying(_intake.Flow(_settings.Parallelism), _settings.Parallelism))
            .Select(x =>
            {
                if (!x.Outcome.Taken) x.Context.Message.NotTaken ??= x.Outcome.Reason ?? x.Outcome.Outcome.ToString();
                return x.Context;
            })
            .Where(x => x.Last)
            .SelectAsync(_settings.Prefetch, x => SettleAsync(channel, writes, x.Message, log, queueName))
            .ToMaterialized(Sink.Ignore<NotUsed>(), Keep.Both)
            .Run(Context.Materializer());
        _session = new Session(opened.Connection, channel, queue, kill, done);
        done.ContinueWith(t => self.Tell(new Failed(generation,
            t.IsFaulted ? "the intake stream failed: " + t.Exception!.GetBaseException().Message : "the intake stream ended")), TaskScheduler.Default);

        opened.Connection.ConnectionShutdownAsync += (_, e) => Lost(self, generation, "connection closed", e);
        channel.ChannelShutdownAsync += (_, e) => Lost(self, generation, "channel closed", e);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var copy = new Delivery(delivery.DeliveryTag, delivery.Body.ToArray());
            try
            {
                // Waits while the pipeline is full; with the prefetch as its bound it rarely has to.
                await queue.OfferAsync(copy);
            }
            catch (Exception)
            {
                // The session is being torn down: the message stays unacknowledged and the broker redelivers it.
            }
        };
        consumer.UnregisteredAsync += (_, _) =>
        {
            self.Tell(new Failed(generation, "the broker cancelled the consumer (was the queue deleted?)"));
            return Task.CompletedTask;
        };
        channel.BasicConsumeAsync(Queue, autoAck: false, consumer, _life.Token)
            .PipeTo(self, success: tag => new Consuming(generation, tag), failure: e => new Failed(generation, Describe(e)));
    }

    private IEnumerable<(IntakeRecord Record, Slot Context)> Split(Delivery delivery)
    {
        var records = RabbitMqMessages.Records(_settings.Queue.Channel, _source, delivery.Body, _rules, _customerIds);
        var message = new Pending(delivery.Tag);
        return records.Select((r, i) => (r, new Slot(message, i == records.Count - 1)));
    }

    private static async Task<NotUsed> SettleAsync(IChannel channel, SemaphoreSlim writes, Pending message, ILoggingAdapter log, string queue)
    {
        try
        {
            if (message.NotTaken is { } reason)
            {
                log.Warning("rabbitmq: a message on {0} was not taken ({1}); it goes back to the queue", queue, reason);
                await Task.Delay(RequeueDelay);
            }
            await writes.WaitAsync();
            try
            {
                if (message.NotTaken is null) await channel.BasicAckAsync(message.Tag, multiple: false);
                else await channel.BasicNackAsync(message.Tag, multiple: false, requeue: true);
            }
            finally
            {
                writes.Release();
            }
        }
        catch (Exception e)
        {
            // The channel is gone (its loss restarts the session): the broker redelivers the message, and a repeat is recognised.
            log.Debug("rabbitmq: message {0} on {1} could not be settled ({2}); the broker redelivers it", message.Tag, queue, e.Message);
        }
        return NotUsed.Instance;
    }

    /// <summary>Runs the records through the intake stage with each one's message beside it (the stage is one-to-one and keeps order).</summary>
    private static Flow<(IntakeRecord Record, Slot Context), (IntakeOutcome Outcome, Slot Context), NotUsed> Carrying(
        Flow<IntakeRecord, IntakeOutcome, NotUsed> stage, int inFlight) =>
        Flow.FromGraph(GraphDsl.Create(b =>
        {
            var unzip = b.Add(new UnzipWith<(IntakeRecord Record, Slot Context), IntakeRecord, Slot>(x => (x.Record, x.Context)));
            var zip = b.Add(new ZipWith<IntakeOutcome, Slot, (IntakeOutcome, Slot)>((o, c) => (o, c)));
            b.From(unzip.Out0).Via(stage).To(zip.In0);
            // The contexts wait here while their records are in the stage.
            b.From(unzip.Out1).Via(Flow.Create<Slot>().Buffer(inFlight, OverflowStrategy.Backpressure)).To(zip.In1);
            return new FlowShape<(IntakeRecord, Slot), (IntakeOutcome, Slot)>(unzip.In, zip.Out);
        }));

    private async Task DrainAsync(Session session)
    {
        try
        {
            if (session.ConsumerTag is { } tag) await session.Channel.BasicCancelAsync(tag);
        }
        catch (Exception e)
        {
            _log.Debug("rabbitmq: the consumer of {0} could not be cancelled: {1}", Queue, e.Message);
        }
        // No new offers; what is in the pipeline is finished and settled.
        session.Queue.Complete();
        await Task.WhenAny(session.Done, Task.Delay(DrainTimeout));
        session.Kill.Shutdown();
        await CloseAsync(session.Channel, session.Connection, _log, Queue, TimeSpan.FromSeconds(1));
    }

    private void TearDown(string reason)
    {
        var session = _session;
        _session = null;
        // Events still coming from the old connection carry the old generation and are ignored.
        _generation++;
        if (session is null) return;
        session.Kill.Abort(new IOException($"rabbitmq session of queue {Queue} ended: {reason}"));
        _ = CloseAsync(session.Channel, session.Connection, _log, Queue);
    }

    private static Task Lost(IActorRef self, int generation, string what, ShutdownEventArgs e)
    {
        self.Tell(new Failed(generation, $"{what} ({e.Initiator}: {e.ReplyCode} {e.ReplyText})"));
        return Task.CompletedTask;
    }

    private static async Task CloseAsync(IChannel? channel, IConnection connection, ILoggingAdapter log, string queue, TimeSpan? timeout = null)
    {
        try
        {
            if (channel is not null)
            {
                using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
                if (channel.IsOpen) await channel.CloseAsync(Constants.ReplySuccess, "Goodbye", false, cts.Token);
                channel.Dispose();
            }
            if (connection.IsOpen) await connection.CloseAsync(timeout ?? TimeSpan.FromSeconds(5));
            connection.Dispose();
        }
        catch (Exception e)
        {
            log.Debug("rabbitmq: the connection of {0} did not close cleanly: {1}", queue, e.Message);
        }
    }

    private string Describe(Exception e)
    {
        e = e is AggregateException a ? a.GetBaseException() : e;
        return e switch
        {
            OperationInterruptedException { ShutdownReason.ReplyCode: 404 } =>
                $"the queue does not exist (OrderEngine declares no queue: declare '{Queue}' on the broker)",
            OperationInterruptedException { ShutdownReason.ReplyCode: 403 } o =>
                $"access refused: {o.ShutdownReason?.ReplyText}",
            BrokerUnreachableException u => "the broker is unreachable: " + (u.InnerException?.GetBaseException().Message ?? u.Message),
            _ => e.GetBaseException().Message,
        };
    }

    private static TimeSpan Backoff(int attempt)
    {
        var seconds = Math.Min(MaxBackoff.TotalSeconds, MinBackoff.TotalSeconds * Math.Pow(2, Math.Min(attempt, 16)));
        return TimeSpan.FromSeconds(seconds * (0.8 + 0.4 * Random.Shared.NextDouble()));
    }
}
