using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using OrderEngine.Domain.Cases;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Cases;

/// <summary>
/// One complaint case: a thin shell over <see cref="CaseDecider"/> that also carries out its resolution actions
/// through the order entity. Opening asks the order region whether the order exists before anything is written. A
/// refund or reship is written as requested first (with an id derived from the case and the action), then asked of
/// the order, then its answer is written; an action still waiting for its answer is asked again after a restart or a
/// timeout, and the derived id makes the order count it once. While an order lookup that decides a command is in
/// flight, other commands wait (stashed), so the case decides one thing at a time.
/// The case's texts are sealed at rest with its order's customer's key (<see cref="CaseTextCipher"/>): the opening
/// records the customer, the customer's key is made durable before a text is first written with it (the same wait as
/// an order lookup, and none when this node holds the key), and an erasure of the customer drops the texts in memory.
/// </summary>
public sealed class CaseActor : UntypedPersistentActor, IWithTimers
{
    private const string RetryTimer = "retry-actions";

    private readonly string _caseId;
    private readonly CaseCollaborators _with;
    private readonly TimeProvider _clock;
    private readonly IdlePassivation _idle;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private CaseState _state;
    // The customer's erasure stamp (CustomerKeyStore.ErasureStampOf) as of when this entity took its texts in.
    private long _erasureStamp;

    // An order lookup deciding a command (an opening, a reship's lines) is in flight: other commands are stashed.
    private bool _busy;

    // Actions whose order call is in flight, and who waits for each action's answer.
    private readonly HashSet<string> _calling = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IActorRef>> _waiters = new(StringComparer.Ordinal);

    public CaseActor(string caseId, CaseCollaborators with, TimeSpan idleTimeout, TimeProvider clock)
    {
        _caseId = caseId;
        _with = with;
        _clock = clock;
        _idle = new IdlePassivation(idleTimeout);
        _state = CaseState.Initial(caseId);
    }

    public static Props Props(string caseId, CaseCollaborators with, TimeSpan idleTimeout, TimeProvider clock) =>
        Akka.Actor.Props.CreateBy(new Producer<CaseActor>(() => new CaseActor(caseId, with, idleTimeout, clock)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "case-" + _caseId;

    private DateTimeOffset Now => _clock.GetUtcNow();

    protected override void PreStart()
    {
        base.PreStart();
        _idle.Start(Timers);
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case ICaseEvent e:
                _state = CaseDecider.Evolve(_state, e);
                break;
            case RecoveryCompleted:
                if (_with.PersonalData is { } keys && _state.CustomerId is { } customer) _erasureStamp = keys.ErasureStampOf(customer);
                ResumeActions();
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        _idle.Observe(message);
        ForgetErasedPersonalData();
        switch (message)
        {
            case IdleCheck:
                if (_idle.IsIdle && !_busy && _calling.Count == 0 && !_state.PendingActions.Any())
                    Context.Parent.Tell(new Passivate(StopEntity.Instance));
                return;
            case StopEntity:
                Context.Stop(Self);
                return;
            case GetCase:
                Sender.Tell(_state.Exists ? new CaseAccepted(_caseId, _state.ToView(Now)) : Refused(NotFound()));
                return;
            case OrderChecked c:
                OnOrderChecked(c);
                return;
            case ReshipChecked c:
                OnReshipChecked(c);
                return;
            case ActionAnswered a:
                OnActionAnswered(a);
                return;
            case KeyReady k:
                OnKeyReady(k);
                return;
            case RetryTick:
                ResumeActions();
                return;
        }
        if (message is ICaseCommand && _busy)
        {
            Stash.Stash();
            return;
        }
        switch (message)
        {
            case OpenCase c when !_state.Exists:
                OnOpen(c, Sender);
                break;
            case RequestCaseAction c:
                OnAction(c, Sender);
                break;
            case OpenCase or StartCase or AddCaseMessage or ResolveCase or CloseCase or ReopenCase:
                OnCommand((ICaseCommand)message, Sender);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Decide, persist, answer.</summary>
    private void OnCommand(ICaseCommand command, IActorRef sender)
    {
        var decision = CaseDecider.Decide(_state, command, Now, _with.Rules);
        if (decision.Rejection is { } rejection)
        {
            sender.Tell(Refused(rejection));
            return;
        }
        if (decision.Events.IsEmpty)
        {
            sender.Tell(new CaseAccepted(_caseId, _state.ToView(Now), Repeat: true));
            return;
        }
        PersistSealedThen(decision.Events, sender, () => sender.Tell(new CaseAccepted(_caseId, _state.ToView(Now))));
    }

    // ---- opening -------------------------------------------------------------------------------------------------

    /// <summary>A case that does not exist yet: a well-formed opening is decided once its order is known to exist.</summary>
    private void OnOpen(OpenCase c, IActorRef sender)
    {
        var errors = CaseDecider.Validate(c);
        if (errors.Count > 0)
        {
            OnCommand(c, sender); // the decider answers the field errors
            return;
        }
        _busy = true;
        _with.Orders.Ask<IOrderReply>(new GetOrder(c.OrderId), _with.AskTimeout)
            .PipeTo(Self, success: r => new OrderChecked(c, sender, r, null), failure: ex => new OrderChecked(c, sender, null, ex));
    }

    private void OnOrderChecked(OrderChecked c)
    {
        _busy = false;
        switch (c.Reply)
        {
            case OrderAccepted accepted:
                // The case's customer is its order's: the key its texts are sealed with.
                OnCommand(c.Command with { CustomerId = accepted.View.CustomerId }, c.Sender);
                break;
            case OrderRefused { Rejection.Code: OrderRejectionCode.NotFound }:
                c.Sender.Tell(Refused(CaseRejection.Of(CaseRejectionCode.NotFound, $"order {c.Command.OrderId} does not exist; a case belongs to an existing order")));
                break;
            default:
                c.Sender.Tell(Refused(Unavailable($"order {c.Command.OrderId} did not answer", c.Error)));
                break;
        }
        Stash.UnstashAll();
    }

    // ---- actions -------------------------------------------------------------------------------------------------

    private void OnAction(RequestCaseAction c, IActorRef sender)
    {
        var decision = CaseDecider.Decide(_state, c, Now, _with.Rules);
        if (decision.Rejection is { } rejection)
        {
            sender.Tell(Refused(rejection));
            return;
        }
        if (decision.Events.IsEmpty)
        {
            // A repeat: an action still waiting for its order answers with it; otherwise the case as it stands.
            if (_state.PendingActions.Any(a => a.ActionId == c.ActionId)) Waiters(c.ActionId).Add(sender);
            else sender.Tell(new CaseAccepted(_caseId, _state.ToView(Now), Repeat: true));
            return;
        }
        var requested = (CaseActionRequested)decision.Events.Single();
        if (requested.Type == CaseActionType.Reship)
        {
            // The lines must fit the original order before anything is written.
            _busy = true;
            _with.Orders.Ask<IOrderReply>(new GetOrder(_state.Opened!.OrderId), _with.AskTimeout)
                .PipeTo(Self, success: r => new ReshipChecked(requested, sender, r, null), failure: ex => new ReshipChecked(requested, sender, null, ex));
            return;
        }
        Record(requested, sender);
    }

    private void OnReshipChecked(ReshipChecked c)
    {
        _busy = false;
        if (c.Reply is OrderAccepted original)
        {
            var (order, error, field) = CaseRules.Replacement(_caseId, c.Requested.ActionId, original.View, c.Requested.Lines);
            if (order is null) c.Sender.Tell(Refused(new CaseRejection(CaseRejectionCode.Invalid, error!, [new FieldError(field!, error!)])));
            else Record(c.Requested, c.Sender);
        }
        else c.Sender.Tell(Refused(Unavailable($"order {_state.Opened!.OrderId} did not answer", c.Error)));
        Stash.UnstashAll();
    }

    /// <summary>Writes the action as requested, then carries it out (a return only waits for the returns lifecycle).</summary>
    private void Record(CaseActionRequested requested, IActorRef sender)
    {
        PersistSealedThen([requested], sender, () =>
        {
            Waiters(requested.ActionId).Add(sender);
            Call(_state.Actions.Single(a => a.ActionId == requested.ActionId));
        });
    }

    private List<IActorRef> Waiters(string actionId)
    {
        if (!_waiters.TryGetValue(actionId, out var list)) _waiters[actionId] = list = [];
        return list;
    }

    /// <summary>Asks every action still waiting for its order's answer (after a restart, a timeout, a transient refusal).</summary>
    private void ResumeActions()
    {
        foreach (var action in _state.PendingActions) Call(action);
    }

    private void Call(CaseAction action)
    {
        if (!_calling.Add(action.ActionId)) return;
        var orders = _with.Orders;
        var timeout = _with.AskTimeout;
        var orderId = _state.Opened!.OrderId;
        var caseId = _caseId;
        // The note stays on the case, sealed with the customer's key: copied into the order's refund or return reason it
        // would be kept there in clear, out of reach of an erasure.
        var reason = $"case {caseId} ({_state.Opened.Type.ToString().ToLowerInvariant()})";
        Task<object> call = action.Type switch
        {
            CaseActionType.Refund => orders.Ask<object>(new RequestRefund(orderId, action.LinkedId, action.Amount,
                [.. action.Lines.Select(l => new RefundLine(l.Sku, l.Quantity))], reason, action.By), timeout),
            CaseActionType.Reship => Boxed(ReshipAsync(orders, orderId, caseId, action, timeout)),
            // A return starts the returns lifecycle under the action's return id (requested; an operator takes it on from there).
            CaseActionType.Return => _with.Returns.Ask<object>(new Domain.Returns.RequestReturn(orderId, action.LinkedId,
                [.. action.Lines.Select(l => new ReturnLine(l.Sku, l.Quantity))], reason, Domain.Returns.ReturnResolution.Refund, []), timeout),
            _ => throw new InvalidOperationException($"action {action.ActionId} of type {action.Type} is not carried out by the order"),
        };
        call.PipeTo(Self, success: r => new ActionAnswered(action.ActionId, r, null), failure: ex => new ActionAnswered(action.ActionId, null, ex));
    }

    private static async Task<object> Boxed(Task<IOrderReply> reply) => await reply;

    /// <summary>Reads the original order, then places its replacement (its id derived from the case and action: placed once).</summary>
    private static async Task<IOrderReply> ReshipAsync(IActorRef orders, string orderId, string caseId, CaseAction action, TimeSpan timeout)
    {
        var original = await orders.Ask<IOrderReply>(new GetOrder(orderId), timeout);
        if (original is not OrderAccepted a) return original;
        var (order, error, _) = CaseRules.Replacement(caseId, action.ActionId, a.View, action.Lines);
        if (order is null) return new OrderRefused(orderId, OrderRejection.Of(OrderRejectionCode.Invalid, error!));
        return await orders.Ask<IOrderReply>(order, timeout);
    }

    private void OnActionAnswered(ActionAnswered a)
    {
        _calling.Remove(a.ActionId);
        var action = _state.Actions.FirstOrDefault(x => x.ActionId == a.ActionId);
        if (action is null || action.Outcome != CaseActionOutcome.Pending)
        {
            AnswerWaiters(a.ActionId);
            return;
        }
        var outcome = a.Reply switch
        {
            // Transient: nothing was decided by the order (or the return); ask again later.
            null or OrderRefused { Rejection.Code: OrderRejectionCode.Overloaded } or Domain.Returns.ReturnRefused { Rejection.Code: OrderRejectionCode.Overloaded } => null,
            OrderAccepted accepted => (CaseActionOutcome.Accepted, Describe(action, accepted.View)),
            OrderRefused refused => (CaseActionOutcome.Refused, $"{refused.Rejection.Code}: {refused.Rejection.Message}"),
            Domain.Returns.ReturnAccepted returned => (CaseActionOutcome.Accepted,
                $"return {returned.ReturnId} of order {returned.OrderId} {returned.View.Status.ToString().ToLowerInvariant()}"),
            Domain.Returns.ReturnRefused refused => (CaseActionOutcome.Refused, $"{refused.Rejection.Code}: {refused.Rejection.Message}"),
            _ => ((CaseActionOutcome, string)?)null,
        };
        if (outcome is not var (result, detail))
        {
            _log.Warning("case {0}: action {1} got no answer from order {2} ({3}); asking again in {4}", _caseId, a.ActionId, _state.Opened!.OrderId,
                a.Error?.Message ?? a.Reply?.GetType().Name, _with.RetryInterval);
            Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _with.RetryInterval);
            AnswerWaiters(a.ActionId); // they see the action pending (HTTP 202); it completes on its own
            return;
        }
        var decision = CaseDecider.Decide(_state, new CompleteCaseAction(_caseId, a.ActionId, result, detail), Now, _with.Rules);
        if (decision.Rejection is { } rejection)
        {
            _log.Error("case {0}: completing action {1} was refused: {2}", _caseId, a.ActionId, rejection.Message);
            return;
        }
        PersistThen(decision.Events, () => AnswerWaiters(a.ActionId));
    }

    private static string Describe(CaseAction action, OrderView order) => action.Type switch
    {
        CaseActionType.Refund => order.Refunds.FirstOrDefault(r => r.RefundId == action.LinkedId) is { } r
            ? $"refund {r.RefundId} of {r.Amount} {r.Currency} requested on order {order.Id} ({r.Status.ToString().ToLowerInvariant()})"
            : $"refund {action.LinkedId} requested on order {order.Id}",
        CaseActionType.Reship => $"replacement order {order.Id} placed ({order.Status.ToString().ToLowerInvariant()})",
        _ => "",
    };

    private void AnswerWaiters(string actionId)
    {
        if (!_waiters.Remove(actionId, out var waiters)) return;
        var view = new CaseAccepted(_caseId, _state.ToView(Now));
        foreach (var w in waiters) w.Tell(view);
    }

    // ---- personal data -------------------------------------------------------------------------------------------

    /// <summary>
    /// Persists events whose texts the serializer seals with the customer's key once that key is durable: this node
    /// holds it (no wait), or it is made now while other commands wait; if it cannot be made, nothing is written and
    /// the sender is told to retry.
    /// </summary>
    private void PersistSealedThen(ImmutableArray<ICaseEvent> events, IActorRef sender, Action after)
    {
        var customerId = events.Select(CaseTextCipher.CustomerToSeal).FirstOrDefault(c => c is not null);
        if (_with.PersonalData is not { } keys || customerId is null || (keys.TryGetCached(customerId, out var key) && key is not null))
        {
            if (customerId is not null && _with.PersonalData is not null) NoteTakenIn(customerId);
            PersistThen(events, after);
            return;
        }
        _busy = true;
        keys.EnsureAsync(customerId).PipeTo(Self, success: () => new KeyReady(events, sender, after, null), failure: e => new KeyReady(events, sender, after, e));
    }

    private void OnKeyReady(KeyReady k)
    {
        _busy = false;
        if (k.Error is null)
        {
            if (k.Events.Select(CaseTextCipher.CustomerToSeal).FirstOrDefault(c => c is not null) is { } customerId) NoteTakenIn(customerId);
            PersistThen(k.Events, k.After);
        }
        else
        {
            _log.Warning("case {0}: the customer's personal data key could not be stored ({1}); nothing written", _caseId, k.Error.GetType().Name);
            k.Sender.Tell(Refused(Unavailable("the customer's personal data key could not be stored", k.Error)));
        }
        Stash.UnstashAll();
    }

    /// <summary>
    /// An entity still in memory when its customer's personal data is erased holds the texts in clear: it drops them at
    /// its next message once this node knows of the erasure (at once on the erasing node, within the recheck interval on others).
    /// </summary>
    /// <remarks>
    /// Erased means erased after this entity took the texts in (the customer's erasure stamp moved past the one it
    /// recorded): texts written after an erasure, with the customer's new key, are kept; older ones are forgotten even
    /// once a later order made a new key.
    /// </remarks>
    private void ForgetErasedPersonalData()
    {
        if (_with.PersonalData is not { } keys || _state.CustomerId is not { } customerId) return;
        var stamp = keys.ErasureStampOf(customerId);
        if (stamp <= _erasureStamp) return;
        _erasureStamp = stamp;
        if (CaseTextCipher.HoldsClearText(_state)) _state = CaseTextCipher.Forget(_state);
    }

    /// <summary>
    /// Texts of the customer are about to be written with its live key: what this entity held from before an erasure is
    /// forgotten first, then the current stamp is what the new texts are measured against.
    /// </summary>
    private void NoteTakenIn(string customerId)
    {
        ForgetErasedPersonalData();
        _erasureStamp = _with.PersonalData!.ErasureStampOf(customerId);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private void PersistThen(ImmutableArray<ICaseEvent> events, Action after)
    {
        var remaining = events.Length;
        PersistAll(events, e =>
        {
            _state = CaseDecider.Evolve(_state, e);
            if (--remaining == 0) after();
        });
    }

    private CaseRefused Refused(CaseRejection rejection) => new(_caseId, rejection);

    private CaseRejection NotFound() => CaseRejection.Of(CaseRejectionCode.NotFound, $"case {_caseId} does not exist");

    private static CaseRejection Unavailable(string what, Exception? error) =>
        CaseRejection.Of(CaseRejectionCode.Unavailable, what + (error is null ? "" : $" ({error.GetType().Name})") + "; nothing changed, retry");

    private sealed record OrderChecked(OpenCase Command, IActorRef Sender, IOrderReply? Reply, Exception? Error);

    private sealed record ReshipChecked(CaseActionRequested Requested, IActorRef Sender, IOrderReply? Reply, Exception? Error);

    private sealed record ActionAnswered(string ActionId, object? Reply, Exception? Error);

    private sealed record KeyReady(ImmutableArray<ICaseEvent> Events, IActorRef Sender, Action After, Exception? Error);

    private sealed class RetryTick : INotInfluenceReceiveTimeout
    {
        public static readonly RetryTick Instance = new();
    }
}

/// <summary>What a case entity works with: the order region, its rules, how long it waits for an order, how soon it asks again.</summary>
public sealed record CaseCollaborators(IActorRef Orders, CaseRules Rules, TimeSpan AskTimeout, TimeSpan RetryInterval)
{
    /// <summary>The return region: a case's return action starts a return there.</summary>
    public IActorRef Returns { get; init; } = ActorRefs.Nobody;

    /// <summary>The customer keys the case's texts are sealed with; null: no key is made beforehand (tests of the bare entity).</summary>
    public CustomerKeyStore? PersonalData { get; init; }
}
