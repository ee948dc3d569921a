using System.Collections.Immutable;

namespace OrderEngine.Domain.Orders;

public enum OrderRejectionCode
{
    /// <summary>The command itself is malformed (see the field errors).</summary>
    Invalid,
    NotFound,
    /// <summary>The same order id (idempotency key) was used for a different request.</summary>
    IdempotencyConflict,
    /// <summary>The order's status does not allow the command.</summary>
    InvalidState,
    /// <summary>A payment does not match the order's total or currency.</summary>
    PaymentMismatch,
    /// <summary>The order's hold time passed before the command arrived.</summary>
    HoldExpired,
    /// <summary>A refund asks for more than what is left to refund.</summary>
    RefundTooLarge,
    /// <summary>Some lines could not be reserved (see <see cref="OrderRejection.Lines"/>); no order was placed and nothing is held.</summary>
    LinesNotReserved,
    /// <summary>Too many placements of one SKU are in flight on this node: retry after a moment; nothing changed.</summary>
    Overloaded,
}

/// <summary>One invalid field of a command, named by its JSON path (lines[1].quantity).</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>Why an order command was refused; a refusal changes nothing.</summary>
public sealed record OrderRejection(OrderRejectionCode Code, string Message, ImmutableArray<FieldError> Errors)
{
    /// <summary>For <see cref="OrderRejectionCode.LinesNotReserved"/>: each line that could not be reserved, and why.</summary>
    public ImmutableArray<LineRejection> Lines { get; init; } = [];

    public static OrderRejection Of(OrderRejectionCode code, string message) => new(code, message, []);

    /// <summary>A placement none of whose lines may be held: the lines refused by their stock and why.</summary>
    public static OrderRejection NotReserved(ImmutableArray<LineRejection> lines) =>
        new(OrderRejectionCode.LinesNotReserved, string.Join("; ", lines.Select(l => $"{l.Sku}: {l.Reason}")), []) { Lines = lines };
}

/// <summary>An order entity's answer.</summary>
public interface IOrderReply : IOrderMessage;

/// <summary>
/// The command took effect (or had already) and is durable; the order as it now stands. <paramref name="Repeat"/>: the
/// command had taken effect before (a redelivered placement, a retried payment), so this one changed nothing.
/// </summary>
public sealed record OrderAccepted(string OrderId, OrderView View, bool Repeat = false) : IOrderReply;

/// <summary>The command was refused and changed nothing.</summary>
public sealed record OrderRefused(string OrderId, OrderRejection Rejection) : IOrderReply;

/// <summary>An order's answer to <see cref="WakeOrder"/>: when it next needs waking, or null when it owes nothing.</summary>
public sealed record OrderDue(string OrderId, DateTimeOffset? NextDue) : IOrderReply;
