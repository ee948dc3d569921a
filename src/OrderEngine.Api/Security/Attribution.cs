using System.Security.Claims;

namespace OrderEngine.Api.Security;

/// <summary>
/// Who did an operator action: the authenticated principal, never a field of the body or a header. Events that record
/// an operator (a review's operator, a refund's or a case action's by, a return's by, a shipping override's by) get
/// <see cref="Principal.Actor"/>; the body fields that used to say it are still accepted (older clients send them) and ignored.
/// </summary>
public static class Attribution
{
    /// <summary>
    /// The principal's <see cref="Principal.Actor"/>; on a node with security off (no principal) the body's field as before, so an
    /// unsecured test bed keeps its attribution.
    /// </summary>
    public static string ActorOr(this ClaimsPrincipal user, string? unsecuredFallback, string whenNone = "") =>
        user.Identities.Any(i => i.IsAuthenticated) ? user.Actor() : string.IsNullOrWhiteSpace(unsecuredFallback) ? whenNone : unsecuredFallback;
}
