using OrderEngine.Domain.Cases;

namespace OrderEngine.Engine.PersonalData;

/// <summary>
/// The free texts of a complaint case sealed with its customer's key (<see cref="PersonalDataCipher"/>): what the
/// customer wrote or what is written about them. Sealed: the description and who opened it (<see cref="CaseOpened"/>),
/// a message's author name and text (<see cref="CaseMessageAdded"/>), an action's note, the resolution and a reopening's
/// reason. Ids, types, statuses, amounts, lines, times and the operators' principals stay clear: the cases read table,
/// SLAs and actions need them and they name no customer. A case event without a customer id (opened before the id was
/// recorded) is written and read as it is.
/// </summary>
public static class CaseTextCipher
{
    public const string Description = "case.description";
    public const string OpenedBy = "case.openedBy";
    public const string MessageName = "case.message.name";
    public const string MessageText = "case.message.text";
    public const string ActionNote = "case.action.note";
    public const string Resolution = "case.resolution";
    public const string ReopenReason = "case.reopen.reason";

    /// <summary>The customer whose key a case event's texts need, when it has texts to seal and a customer to seal them for.</summary>
    public static string? CustomerToSeal(object evt) => evt switch
    {
        CaseOpened { CustomerId: { } c } => c,
        CaseMessageAdded { CustomerId: { } c } => c,
        CaseActionRequested { CustomerId: { } c, Note: not null } => c,
        CaseResolved { CustomerId: { } c } => c,
        CaseReopened { CustomerId: { } c } => c,
        _ => null,
    };

    /// <summary>
    /// The event with its texts sealed (the journal's form); a customer known as erased gets the erased marker instead
    /// (nothing personal is written). Anything else is returned as it is.
    /// </summary>
    public static object SealForWrite(object evt, CustomerKeyStore? keys) =>
        keys is null || CustomerToSeal(evt) is not { } customerId || AlreadySealed(evt) ? evt : SealWith(evt, keys.KeyForWrite(customerId));

    /// <summary>The event's texts sealed with the given key of its customer; a null key writes the erased marker.</summary>
    public static object SealWith(object evt, byte[]? key)
    {
        if (CustomerToSeal(evt) is not { } customerId || AlreadySealed(evt)) return evt;
        string? S(string field, string? value) =>
            value is null ? null : key is null ? PersonalDataCipher.Erased : PersonalDataCipher.Seal(key, customerId, field, value);
        return evt switch
        {
            CaseOpened x => x with { Description = S(Description, x.Description)!, OpenedBy = S(OpenedBy, x.OpenedBy) },
            CaseMessageAdded x => x with { Name = S(MessageName, x.Name)!, Text = S(MessageText, x.Text)! },
            CaseActionRequested x => x with { Note = S(ActionNote, x.Note) },
            CaseResolved x => x with { Resolution = S(Resolution, x.Resolution)! },
            CaseReopened x => x with { Reason = S(ReopenReason, x.Reason)! },
            _ => evt,
        };
    }

    /// <summary>The event with its sealed texts opened; a text that does not open (the key erased) reads as the erased marker.</summary>
    public static object OpenOnRead(object evt, CustomerKeyStore? keys) =>
        CustomerToSeal(evt) is not { } customerId || !AlreadySealed(evt) ? evt : OpenWith(evt, keys?.KeyForRead(customerId));

    /// <summary>The event's sealed texts opened with the given key of its customer (null: erased).</summary>
    public static object OpenWith(object evt, byte[]? key)
    {
        if (CustomerToSeal(evt) is not { } customerId || !AlreadySealed(evt)) return evt;
        string? O(string field, string? value) => PersonalDataCipher.OpenOrErased(key, customerId, field, value);
        return evt switch
        {
            CaseOpened x => x with { Description = O(Description, x.Description)!, OpenedBy = O(OpenedBy, x.OpenedBy) },
            CaseMessageAdded x => x with { Name = O(MessageName, x.Name)!, Text = O(MessageText, x.Text)! },
            CaseActionRequested x => x with { Note = O(ActionNote, x.Note) },
            CaseResolved x => x with { Resolution = O(Resolution, x.Resolution)! },
            CaseReopened x => x with { Reason = O(ReopenReason, x.Reason)! },
            _ => evt,
        };
    }

    private static bool AlreadySealed(object evt) => evt switch
    {
        CaseOpened x => PersonalDataCipher.IsSealed(x.Description) || PersonalDataCipher.IsSealed(x.OpenedBy),
        CaseMessageAdded x => PersonalDataCipher.IsSealed(x.Name) || PersonalDataCipher.IsSealed(x.Text),
        CaseActionRequested x => PersonalDataCipher.IsSealed(x.Note),
        CaseResolved x => PersonalDataCipher.IsSealed(x.Resolution),
        CaseReopened x => PersonalDataCipher.IsSealed(x.Reason),
        _ => false,
    };

    // ---- the entity in memory ----

    /// <summary>Whether the case holds a text in clear that an erasure of its customer must drop.</summary>
    public static bool HoldsClearText(CaseState s) =>
        s.Opened is { } o && (IsClear(o.Description) || IsClear(o.OpenedBy)
            || s.Messages.Any(m => IsClear(m.Name) || IsClear(m.Text))
            || s.Actions.Any(a => IsClear(a.Note))
            || IsClear(s.Resolution) || IsClear(s.LastReopenReason)
            || s.History.Any(h => h.Status switch
            {
                CaseStatus.Open => IsClear(h.By),
                CaseStatus.Resolved => IsClear(h.Reason),
                _ => IsReopening(h) && h.Reason != ReopenedErased,
            }));

    /// <summary>
    /// The case with every sealed text replaced by the erased marker, as it reads after a restart once its customer is
    /// erased (the status history carries who opened it, the resolution and the reopening reasons).
    /// </summary>
    public static CaseState Forget(CaseState s)
    {
        if (s.Opened is not { } o) return s;
        return s with
        {
            Opened = o with { Description = Erase(o.Description)!, OpenedBy = Erase(o.OpenedBy) },
            Messages = [.. s.Messages.Select(m => m with { Name = Erase(m.Name)!, Text = Erase(m.Text)! })],
            Actions = [.. s.Actions.Select(a => a with { Note = Erase(a.Note) })],
            Resolution = Erase(s.Resolution),
            LastReopenReason = Erase(s.LastReopenReason),
            History = [.. s.History.Select(h => h.Status switch
            {
                CaseStatus.Open => h with { By = Erase(h.By) },
                CaseStatus.Resolved => h with { Reason = Erase(h.Reason) },
                _ when IsReopening(h) => h with { Reason = ReopenedErased },
                _ => h,
            })],
        };
    }

    private static string? Erase(string? value) => value is null ? null : PersonalDataCipher.Erased;

    private static bool IsClear(string? value) => value is not null && value != PersonalDataCipher.Erased;

    // The status history writes a reopening as "reopened: " + its reason (CaseDecider.Evolve).
    private const string ReopenedPrefix = "reopened: ";
    private const string ReopenedErased = ReopenedPrefix + PersonalDataCipher.Erased;

    private static bool IsReopening(CaseStatusChange h) =>
        h.Status == CaseStatus.InProgress && h.Reason is { } r && r.StartsWith(ReopenedPrefix, StringComparison.Ordinal);
}
