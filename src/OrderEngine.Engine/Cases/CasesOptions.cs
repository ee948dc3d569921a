using System.Collections.Immutable;
using OrderEngine.Domain.Cases;

namespace OrderEngine.Engine.Cases;

/// <summary>Complaint case settings, bound from "OrderEngine:Cases" (e.g. OrderEngine__Cases__Sla__Damaged=12:00:00).</summary>
public sealed class CasesOptions
{
    /// <summary>How long each type of case may take before it is overdue; types not given keep their default.</summary>
    public Dictionary<CaseType, TimeSpan> Sla { get; set; } = new(CaseRules.DefaultSla);

    /// <summary>How long after its resolution a case may be reopened.</summary>
    public TimeSpan ReopenWindow { get; set; } = CaseRules.Default.ReopenWindow;

    public int MaxMessages { get; set; } = CaseRules.Default.MaxMessages;

    public int MaxActions { get; set; } = CaseRules.Default.MaxActions;

    /// <summary>How soon an action whose order did not answer (in time) is asked again.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    public CaseRules ToRules() => new(
        CaseRules.DefaultSla.SetItems(Sla),
        ReopenWindow,
        MaxMessages,
        MaxActions);
}
