namespace OrderEngine.Ingestion.Adapters.Support;

/// <summary>The problems found in one record, each naming its field; together they become a quarantine reason.</summary>
internal sealed class Problems
{
    private readonly List<string> _items = [];

    public bool Any => _items.Count > 0;

    public int Count => _items.Count;

    public void Add(string field, string message) => _items.Add(field.Length == 0 ? message : $"{field}: {message}");

    /// <summary>Every problem, in the order found, so one quarantine visit can fix them all.</summary>
    public string Join(string? prefix = null) => (prefix ?? "") + string.Join("; ", _items);
}
