using System.Globalization;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.ReadSide;

/// <summary>Every row of every read table as text ("|"-separated, empty for null), sorted: to compare two builds of the read side.</summary>
public static class ReadTableDump
{
    public static IEnumerable<string> AllTables => ReadOrdersProjection.Tables.Concat(ReadStockProjection.Tables);

    public static async Task<SortedDictionary<string, List<string>>> DumpAsync(JournalDatabase database, CancellationToken ct = default)
    {
        var dump = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(ct);
        foreach (var table in AllTables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT * FROM " + table;
            var rows = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var values = new string[reader.FieldCount];
                for (var i = 0; i < values.Length; i++)
                    values[i] = reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? "";
                rows.Add(string.Join('|', values));
            }
            rows.Sort(StringComparer.Ordinal);
            dump[table] = rows;
        }
        return dump;
    }
}
