using System.Diagnostics;
using Akka.Actor;
using OrderEngine.Engine.Telemetry;

namespace OrderEngine.Engine.Orders;

/// <summary>
/// The order entity's span: a <see cref="TracedCommand"/> opens it as a child of the sender's span (the HTTP request),
/// and it stays open across the receives that carry the command through (a placement's reservation answers) until the
/// command's events are handed to the journal, which links its batch span to it, or until the command is answered
/// without a write. None of this runs unless OrderEngine's spans are being recorded: untraced messages cost one type test.
/// </summary>
public sealed partial class OrderActor
{
    private Activity? _span;

    // Persist calls so far: LastSequenceNr moves only once a write is confirmed, so it cannot tell that a receive persisted.
    private long _writesHandedOver;

    protected override bool AroundReceive(Receive receive, object message)
    {
        if (message is TracedCommand traced)
        {
            EndSpan();
            if (!IsRecovering && OrderEngineTelemetry.Source.HasListeners())
            {
                _span = OrderEngineTelemetry.Source.StartActivity(
                    "order " + traced.Message.GetType().Name, ActivityKind.Internal, traced.Parent);
                _span?.SetTag("orderengine.order.id", _orderId);
            }
            return ReceiveInSpan(receive, traced.Message);
        }
        return _span is null ? base.AroundReceive(receive, message) : ReceiveInSpan(receive, message);
    }

    private bool ReceiveInSpan(Receive receive, object message)
    {
        var span = _span;
        if (span is null) return base.AroundReceive(receive, message);
        var previous = Activity.Current;
        Activity.Current = span;
        var links = TraceLinks.Get(Context.System);
        var before = _writesHandedOver;
        // Offered before the receive: the journal may take the write on another thread before the receive returns.
        links.Offer(PersistenceId, span.Context);
        try
        {
            return base.AroundReceive(receive, message);
        }
        finally
        {
            Activity.Current = previous;
            if (_writesHandedOver != before) EndSpan();
            else
            {
                links.Withdraw(PersistenceId, span.Context);
                // Still reserving, or giving back a refused placement's units: the command is not answered yet.
                if (_round is null && _givingBack.Count == 0) EndSpan();
            }
        }
    }

    private void EndSpan()
    {
        if (_span is not { } span) return;
        _span = null;
        var previous = Activity.Current;
        span.Stop();
        Activity.Current = previous;
    }

    protected override void PostStop()
    {
        EndSpan();
        base.PostStop();
    }
}
