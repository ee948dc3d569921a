using System.Collections.Immutable;

namespace OrderEngine.Domain;

/// <summary>What a decider answers to a command: the events to persist (possibly none), or a rejection that changes nothing.</summary>
public readonly record struct Decision<TEvent, TRejection>(ImmutableArray<TEvent> Events, TRejection? Rejection)
    where TRejection : class
{
    public bool IsRejected => Rejection is not null;

    /// <summary>Accepted, but the state already reflects the command (a repeat): nothing to persist.</summary>
    public static Decision<TEvent, TRejection> AlreadyDone => new([], null);

    public static Decision<TEvent, TRejection> Accept(params TEvent[] events) => new([.. events], null);

    public static Decision<TEvent, TRejection> Reject(TRejection rejection) => new([], rejection);
}
