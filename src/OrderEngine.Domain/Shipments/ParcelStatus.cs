namespace OrderEngine.Domain.Shipments;

/// <summary>
/// Where a parcel stands, as its carrier reports it. <see cref="Delivered"/> and <see cref="ReturnedToSender"/> end a
/// parcel's journey; the others may follow one another in any order (a failed attempt, then out for delivery again).
/// </summary>
public enum ParcelStatus
{
    /// <summary>The label exists; the carrier has not scanned the parcel yet.</summary>
    LabelCreated,
    InTransit,
    OutForDelivery,
    /// <summary>The carrier tried to deliver and could not (nobody home, access refused); it will try again or return it.</summary>
    FailedAttempt,
    Delivered,
    /// <summary>The parcel is on its way back, or back, at the warehouse: it was not delivered.</summary>
    ReturnedToSender,
    /// <summary>Something is wrong (damaged, lost, held at customs): a person should look.</summary>
    Exception,
}

public static class ParcelStatuses
{
    /// <summary>Whether the parcel's journey ended: nothing the carrier reports later changes where it stands.</summary>
    public static bool IsFinal(this ParcelStatus status) => status is ParcelStatus.Delivered or ParcelStatus.ReturnedToSender;
}
