using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.ReadSide;

/// <summary>How far the journal is ahead of an offset: the events past it and when the oldest of them was written.</summary>
public static class JournalLag
{
    public static async Task<(long Events, DateTimeOffset? Oldest)> MeasureAsync(JournalDatabase database, long offset, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM journal WHERE ordering > @offset),
                   (SELECT created FROM journal WHERE ordering > @offset ORDER BY ordering LIMIT 1)
            """;
        command.AddParameter("offset", offset);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return (0, null);
        var events = Convert.ToInt64(reader.GetValue(0));
        if (events == 0 || reader.IsDBNull(1)) return (events, null);
        var created = Convert.ToInt64(reader.GetValue(1));
        // created is DateTime.UtcNow.Ticks as the journal writes it.
        return (events, new DateTimeOffset(created, TimeSpan.Zero));
    }
}
