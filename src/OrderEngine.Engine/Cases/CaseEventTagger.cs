using Akka.Persistence.Journal;
using OrderEngine.Domain.Cases;

namespace OrderEngine.Engine.Cases;

/// <summary>Tags case events so the case projection reads them across all cases (EventsByTag).</summary>
public sealed class CaseEventTagger : IWriteEventAdapter
{
    public const string CaseTag = "case";

    private static readonly string[] CaseTags = [CaseTag];

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt is ICaseEvent ? new Tagged(evt, CaseTags) : evt;
}
