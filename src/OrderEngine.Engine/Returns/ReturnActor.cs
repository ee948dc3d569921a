using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Products;
using OrderEngine.Domain.Returns;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Returns;

/// <summary>What a return entity works with: the order and stock regions, its rules, and how long it waits for an order.</summary>
public sealed record ReturnCollaborators(IActorRef Orders, IActorRef Stock, ReturnRules Rules, TimeSpan AskTimeout, TimeSpan RetryInterval, TimeSpan MaxRetryInterval)
{
    /// <summary>
    /// The product catalogue (the product region): a product defined with <c>returnable: false</c> is not returnable,
    /// besides the SKUs the rules list. Null: the rules alone decide.
    /// </summary>
    public IActorRef? Products { get; init; }

    /// <summary>The rules an exchange's replacement order must meet (the order entities' own).</summary>
    public OrderRules OrderRules { get; init; } = OrderRules.Default;
}

/// <summary>
/// One return: a thin shell over <see cref="ReturnDecider"/>. What touches the order's goods and money is asked of the
/// order first (hold the units, give them back, pay the return out), and only once the order accepted is the return's
/// own step written and answered; while the order is asked, the entity's other commands wait (stash). Inspected
/// restockable units go back on hand at their stock entities (Tell with timer-driven retries; one movement per return
/// and SKU, so a resend counts once), which is resumed after a restart. An exchange's replacement that costs more than
/// the credit reports its outcome here (<see cref="RecordExchangeOutcome"/>, resent by the order until answered): paid,
/// the exchange is settled; lapsed, the credit is refunded at the original order before the report is answered.
/// </summary>
public sealed class ReturnActor : UntypedPersistentActor, IWithTimers
{
    private const string RetryTimer = "retry";

    private readonly string _entityId;
    private readonly ReturnCollaborators _with;
    private readonly TimeProvider _clock;
    private readonly IdlePassivation _idle;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ReturnState? _state;
    private bool _busy;
    private readonly HashSet<string> _restockAwaiting = new(StringComparer.Ordinal);
    private TimeSpan _retryDelay;

    public ReturnActor(string entityId, ReturnCollaborators with, TimeSpan idleTimeout, TimeProvider clock)
    {
        _entityId = entityId;
        _with = with;
        _clock = clock;
        _idle = new IdlePassivation(idleTimeout);
        _retryDelay = with.RetryInterval;
    }

    public static Props Props(string entityId, ReturnCollaborators with, TimeSpan idleTimeout, TimeProvider clock) =>
        Akka.Actor.Props.CreateBy(new Producer<ReturnActor>(() => new ReturnActor(entityId, with, idleTimeout, clock)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "return-" + _entityId;

    protected override void PreStart()
    {
        base.PreStart();
        _idle.Start(Timers);
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case ReturnRequested e:
                _state = ReturnDecider.Evolve(ReturnState.Initial(e.OrderId, e.ReturnId), e);
                break;
            case IReturnEvent e when _state is not null:
                _state = ReturnDecider.Evolve(_state, e);
                break;
            case RecoveryCompleted:
                StartRestock();
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        _idle.Observe(message);
        switch (message)
        {
            case IStockReply reply:
                OnStockReply(reply);
                return;
            case RetryTick:
                _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, _with.MaxRetryInterval.Ticks));
                SendRestock();
                return;
            case IdleCheck:
                if (_idle.IsIdle && !_busy && _restockAwaiting.Count == 0) Context.Parent.Tell(new Passivate(StopEntity.Instance));
                return;
            case StopEntity:
                Context.Stop(Self);
                return;
            case ProductsKnown known:
                OnProductsKnown(known);
                return;
            case OrderAnswer answer:
                OnOrderAnswer(answer);
                return;
        }
        if (_busy && message is IReturnMessage)
        {
            Stash.Stash();
            return;
        }
        switch (message)
        {
            case GetReturn get:
                Sender.Tell(_state is { } s
                    ? new ReturnAccepted(s.OrderId, s.ReturnId, s.ToView())
                    : new ReturnRefused(get.OrderId, get.ReturnId, OrderRejection.Of(OrderRejectionCode.NotFound, $"order {get.OrderId} has no return {get.ReturnId}")));
                break;
            case IReturnCommand command:
                OnReturnCommand(command, Sender);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private ReturnState StateFor(IReturnMessage m) => _state ?? ReturnState.Initial(m.OrderId, m.ReturnId);

    private void OnReturnCommand(IReturnCommand command, IActorRef sender)
    {
        var state = StateFor(command);
        if (command is RequestReturn request && !state.Exists)
        {
            if (_with.Products is { } products)
            {
                // The catalogue says which of the lines' products are not returnable; the request waits for it. Only
                // well-formed SKUs are asked about: a missing or malformed one cannot be routed to a product (the ask
                // waited out its timeout and the request was answered 503), and the decider refuses it as invalid.
                _busy = true;
                NotReturnableAsync(products, request.Lines.Where(l => l is not null && Identifiers.IsValidEntityId(l.Sku)).Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToList(), _with.AskTimeout)
                    .PipeTo(Self, success: skus => new ProductsKnown(request, sender, skus, null), failure: e => new ProductsKnown(request, sender, null, e));
                return;
            }
            StartRequest(request, sender, _with.Rules);
            return;
        }
        Decide(command, state, sender);
    }

    private static async Task<ImmutableHashSet<string>> NotReturnableAsync(IActorRef products, IReadOnlyList<string> skus, TimeSpan timeout)
    {
        var answers = await Task.WhenAll(skus.Select(sku => products.Ask<IProductReply>(new GetProduct(sku), timeout)));
        return answers.OfType<ProductAccepted>().Where(p => !p.View.Returnable).Select(p => p.Sku).ToImmutableHashSet(StringComparer.Ordinal);
    }

    private void OnProductsKnown(ProductsKnown known)
    {
        _busy = false;
        if (known.NotReturnable is not { } skus)
        {
            _log.Warning("return {0}/{1}: the product catalogue did not answer: {2}", known.Request.OrderId, known.Request.ReturnId, known.Error?.Message);
            known.Sender.Tell(new ReturnRefused(known.Request.OrderId, known.Request.ReturnId,
                OrderRejection.Of(OrderRejectionCode.Overloaded, "the product catalogue did not answer in time; retry")));
            Stash.UnstashAll();
            return;
        }
        var rules = skus.IsEmpty ? _with.Rules : _with.Rules with { Returnability = new EitherNotReturnable(_with.Rules.Returnability, skus) };
        StartRequest(known.Request, known.Sender, rules);
        if (!_busy) Stash.UnstashAll();
    }

    /// <summary>Not returnable when the rules or the catalogue say so.</summary>
    private sealed record EitherNotReturnable(IReturnability Rules, ImmutableHashSet<string> FromCatalogue) : IReturnability
    {
        public bool IsReturnable(string sku) => Rules.IsReturnable(sku) && !FromCatalogue.Contains(sku);
    }

    private sealed record ProductsKnown(RequestReturn Request, IActorRef Sender, ImmutableHashSet<string>? NotReturnable, Exception? Error);

    private void StartRequest(RequestReturn request, IActorRef sender, ReturnRules rules)
    {
        if (ReturnDecider.Validate(StateFor(request), request, rules) is { } problem)
        {
            sender.Tell(new ReturnRefused(request.OrderId, request.ReturnId, problem));
            return;
        }
        if (request.Resolution == ReturnResolution.Exchange) AskOrder(new GetOrder(request.OrderId), request, sender, Step.CheckRequest);
        else AskOrder(new RegisterReturn(request.OrderId, request.ReturnId, request.Lines, rules.WindowDays), request, sender, Step.Register);
    }

    private void Decide(IReturnCommand command, ReturnState state, IActorRef sender)
    {
        var decision = ReturnDecider.Decide(state, command, _clock.GetUtcNow(), _with.Rules);
        if (decision.Rejection is { } rejection)
        {
            sender.Tell(new ReturnRefused(command.OrderId, command.ReturnId, rejection));
            return;
        }
        if (command is RecordExchangeOutcome { Paid: false })
        {
            // The lapse is written first; then the credit goes back at the original order, and only then is the
            // replacement answered (it reports again until answered, so a crash in between resumes the refund).
            if (decision.Events.IsEmpty) RefundLapsedCredit(command, state, sender);
            else PersistAndReply(decision.Events, null, () => RefundLapsedCredit(command, _state!, sender));
            return;
        }
        if (decision.Events.IsEmpty)
        {
            if (command is ResolveReturn && state.Status == ReturnStatus.Inspected)
            {
                // Paid out at the order first (its rules for money), then — for an exchange — the replacement is placed.
                // An exchange's replacement is checked against the order first, so no money moves for one that cannot be placed.
                if (state.Request!.Resolution == ReturnResolution.Exchange) AskOrder(new GetOrder(state.OrderId), command, sender, Step.CheckResolve);
                else AskOrder(new SettleReturn(state.OrderId, state.ReturnId, null, null), command, sender, Step.Settle);
                return;
            }
            sender.Tell(new ReturnAccepted(state.OrderId, state.ReturnId, state.ToView(), Repeat: true));
            return;
        }
        if (decision.Events.Any(e => e is ReturnRejected))
        {
            // The order gives the units back first; the rejection is written once it did.
            AskOrder(new ReleaseReturn(state.OrderId, state.ReturnId), command, sender, Step.Release);
            return;
        }
        PersistAndReply(decision.Events, sender);
    }

    private void RefundLapsedCredit(IReturnCommand command, ReturnState state, IActorRef sender)
    {
        if (state.CreditRefundOwed)
            AskOrder(new RefundExchangeCredit(state.OrderId, state.ReturnId, state.ExchangeOrderId!), command, sender, Step.RefundCredit);
        else sender.Tell(new ReturnAccepted(state.OrderId, state.ReturnId, state.ToView()));
    }

    private void PersistAndReply(ImmutableArray<IReturnEvent> events, IActorRef? sender, Action? after = null)
    {
        var remaining = events.Length;
        PersistAll(events, e =>
        {
            _state = ReturnDecider.Evolve(StateFor(e), e);
            if (--remaining > 0) return;
            sender?.Tell(new ReturnAccepted(_state.OrderId, _state.ReturnId, _state.ToView()));
            after?.Invoke();
            StartRestock();
        });
    }

    // ---- asking the order ----------------------------------------------------------------------------------------

    private enum Step
    {
        CheckRequest,
        CheckResolve,
        Register,
        Release,
        Settle,
        PlaceReplacement,
        RefundCredit,
    }

    private sealed record OrderAnswer(Step Step, IReturnCommand Command, IActorRef Sender, IOrderReply? Reply, Exception? Error);

    private void AskOrder(IOrderMessage ask, IReturnCommand command, IActorRef sender, Step step)
    {
        _busy = true;
        _with.Orders.Ask<IOrderReply>(ask, _with.AskTimeout).PipeTo(Self,
            success: r => new OrderAnswer(step, command, sender, r, null),
            failure: e => new OrderAnswer(step, command, sender, null, e));
    }

    private void Done()
    {
        _busy = false;
        Stash.UnstashAll();
    }

    private void OnOrderAnswer(OrderAnswer a)
    {
        var c = a.Command;
        if (a.Reply is not OrderAccepted accepted)
        {
            var rejection = a.Reply is OrderRefused refused
                ? a.Step == Step.PlaceReplacement
                    ? refused.Rejection with { Message = "the replacement order could not be placed: " + refused.Rejection.Message + "; the credit is kept, resolve again later" }
                    : refused.Rejection
                : OrderRejection.Of(OrderRejectionCode.Overloaded, $"order {c.OrderId} did not answer in time; retry");
            if (a.Error is not null) _log.Warning("return {0}/{1}: order did not answer {2}: {3}", c.OrderId, c.ReturnId, a.Step, a.Error.Message);
            a.Sender.Tell(new ReturnRefused(c.OrderId, c.ReturnId, rejection));
            Done();
            return;
        }
        var state = StateFor(c);
        var now = _clock.GetUtcNow();
        switch (a.Step)
        {
            case Step.CheckRequest or Step.CheckResolve:
            {
                var request = a.Step == Step.CheckRequest ? (RequestReturn)c : ToRequest(state.Request!);
                if (ReturnDecider.ValidateReplacement(request, accepted.View, _with.OrderRules) is { } invalid)
                {
                    a.Sender.Tell(new ReturnRefused(c.OrderId, c.ReturnId, invalid));
                    Done();
                    return;
                }
                // Still waiting: the next question goes to the order at once.
                if (a.Step == Step.CheckRequest)
                    AskOrder(new RegisterReturn(c.OrderId, c.ReturnId, request.Lines, _with.Rules.WindowDays), c, a.Sender, Step.Register);
                else
                    AskOrder(new SettleReturn(c.OrderId, c.ReturnId, ReturnDecider.ExchangeOrderIdOf(c.OrderId, c.ReturnId), ReturnDecider.ReplacementTotal(state)),
                        c, a.Sender, Step.Settle);
                return;
            }
            case Step.Register:
            {
                var record = accepted.View.Returns.First(r => r.ReturnId == c.ReturnId);
                Write(c, ReturnDecider.Decide(state, new ConfirmReturnRequest(c.OrderId, c.ReturnId, (RequestReturn)c, record.Value, accepted.View.Currency), now, _with.Rules), a.Sender);
                return;
            }
            case Step.Release:
                Write(c, ReturnDecider.Decide(state, c, now, _with.Rules), a.Sender);
                return;
            case Step.Settle:
            {
                var record = accepted.View.Returns.First(r => r.ReturnId == c.ReturnId);
                if (record.ExchangeOrderId is null)
                {
                    Write(c, ReturnDecider.Decide(state, new ConfirmReturnResolved(c.OrderId, c.ReturnId, record.Refunded, 0m, null), now, _with.Rules), a.Sender);
                    return;
                }
                _with.Orders.Ask<IOrderReply>(ReturnDecider.ReplacementOrder(state, accepted.View, record.Credit, _with.Rules), _with.AskTimeout).PipeTo(Self,
                    success: r => new OrderAnswer(Step.PlaceReplacement, new ConfirmReturnResolved(c.OrderId, c.ReturnId, record.Refunded, record.Credit,
                        record.ExchangeOrderId), a.Sender, r, null),
                    failure: e => new OrderAnswer(Step.PlaceReplacement, c, a.Sender, null, e));
                return;
            }
            case Step.PlaceReplacement:
                Write(c, ReturnDecider.Decide(state, c, now, _with.Rules), a.Sender);
                return;
            case Step.RefundCredit:
            {
                var refundId = OrderReturnsDecider.LapsedCreditRefundIdOf(c.OrderId, c.ReturnId);
                var refunded = accepted.View.Refunds.FirstOrDefault(r => r.RefundId == refundId)?.Amount ?? 0m;
                Write(c, ReturnDecider.Decide(state, new ConfirmExchangeCreditRefunded(c.OrderId, c.ReturnId, refunded), now, _with.Rules), a.Sender);
                return;
            }
        }
    }

    private static RequestReturn ToRequest(ReturnRequested r) => new(r.OrderId, r.ReturnId, r.Lines, r.Reason, r.Resolution, r.Replacement);

    private void Write(IReturnMessage c, Decision<IReturnEvent, OrderRejection> decision, IActorRef sender)
    {
        var state = StateFor(c);
        if (decision.Rejection is { } rejection)
        {
            sender.Tell(new ReturnRefused(c.OrderId, c.ReturnId, rejection));
            Done();
            return;
        }
        if (decision.Events.IsEmpty)
        {
            sender.Tell(new ReturnAccepted(state.OrderId, state.ReturnId, state.ToView(), Repeat: true));
            Done();
            return;
        }
        // The stash is opened once the write is done.
        PersistAndReply(decision.Events, sender, Done);
    }

    // ---- restock ---------------------------------------------------------------------------------------------------

    /// <summary>One movement per return and SKU: the stock entity remembers it, so a resend counts once.</summary>
    public static string MovementIdOf(string entityId, string sku) => Identifiers.Derived('m', "return\n" + entityId + "\n" + sku);

    private void StartRestock()
    {
        if (_state is not { } s || s.UnitsToRestock.IsEmpty || _restockAwaiting.Count > 0) return;
        foreach (var l in s.UnitsToRestock) _restockAwaiting.Add(l.Sku);
        _retryDelay = _with.RetryInterval;
        SendRestock();
    }

    private void SendRestock()
    {
        if (_state is not { } s || _restockAwaiting.Count == 0) return;
        foreach (var l in s.UnitsToRestock.Where(l => _restockAwaiting.Contains(l.Sku)))
            _with.Stock.Tell(new ReceiveShipped(l.Sku, s.OrderId, MovementIdOf(_entityId, l.Sku), l.Quantity));
        Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _retryDelay);
    }

    private void OnStockReply(IStockReply reply)
    {
        if (reply.Operation != StockOperation.Receive || !_restockAwaiting.Contains(reply.Sku) || reply.Ref != MovementIdOf(_entityId, reply.Sku)) return;
        if (reply is StockRefused { Rejection: var rejection })
            _log.Error("return {0}: stock {1} refused to take back returned units: {2}", _entityId, reply.Sku, rejection.Message);
        _restockAwaiting.Remove(reply.Sku);
        if (_restockAwaiting.Count > 0) return;
        Timers.Cancel(RetryTimer);
        var s = _state!;
        var decision = ReturnDecider.Decide(s, new MarkReturnRestocked(s.OrderId, s.ReturnId), _clock.GetUtcNow(), _with.Rules);
        if (!decision.Events.IsEmpty) PersistAll(decision.Events, e => _state = ReturnDecider.Evolve(_state!, e));
    }

    private sealed class RetryTick : INotInfluenceReceiveTimeout
    {
        public static readonly RetryTick Instance = new();
    }
}
