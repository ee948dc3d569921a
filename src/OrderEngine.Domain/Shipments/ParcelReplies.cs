using System.Collections.Immutable;

namespace OrderEngine.Domain.Shipments;

public enum ParcelRejectionCode
{
    Invalid,
    NotFound,
    Conflict,
}

public sealed record ParcelRejection(ParcelRejectionCode Code, string Message);

/// <summary>A parcel entity's answer.</summary>
public interface IParcelReply : IParcelMessage;

/// <param name="Repeat">The command had been applied already: nothing changed.</param>
public sealed record ParcelAccepted(string ParcelId, ParcelView View, bool Repeat = false) : IParcelReply;

public sealed record ParcelRefused(string ParcelId, ParcelRejection Rejection) : IParcelReply;
