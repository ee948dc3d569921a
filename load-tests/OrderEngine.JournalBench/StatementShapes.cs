using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace OrderEngine.JournalBench;

/// <summary>
/// The statement shapes the batching journal chose between, measured alone: on PostgreSQL four ways to insert a batch
/// of journal rows in one transaction (arrays unnested, a multi-row VALUES, an NpgsqlBatch of single-row INSERTs, binary
/// COPY); on SQLite two ways to look up the highest sequence numbers of many ids (a JSON array, an IN list).
/// </summary>
internal static class StatementShapes
{
    private static readonly int[] BatchSizes = [1, 16, 64, 256];
    private const string Columns = "created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid";
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"orderId":"o-0000000000","at":"2026-01-01T00:00:00+00:00"}""");

    public static async Task RunAsync(Backends backends, int rowsPerShape)
    {
        if (backends.Names.Contains("postgres")) await PostgresInsertsAsync(backends, rowsPerShape);
        if (backends.Names.Contains("sqlite")) await SqliteLookupsAsync(backends);
    }

    private static async Task PostgresInsertsAsync(Backends backends, int rowsPerShape)
    {
        Console.WriteLine($"## PostgreSQL: one batch of journal rows per transaction, {rowsPerShape} rows per shape and size, one connection");
        Console.WriteLine("client CPU = this process; server CPU = the PostgreSQL backends; wall = elapsed per row (one batch at a time, fsync on).");
        Console.WriteLine();
        Console.WriteLine("| shape | rows/batch | client CPU µs/row | server CPU µs/row | wall µs/row |");
        Console.WriteLine("|---|---|---|---|---|");
        var shapes = new (string Name, Func<NpgsqlConnection, int, long, Task> Insert)[]
        {
            ("unnest arrays", InsertUnnestAsync),
            ("multi-row VALUES", InsertValuesAsync),
            ("NpgsqlBatch", InsertBatchAsync),
            ("binary COPY", InsertCopyAsync),
        };
        foreach (var size in BatchSizes)
        {
            // Two passes over the shapes, the first unreported: the first measurement of a process also paid for
            // whatever the runtime was still doing (tiered JIT, a background GC).
            for (var pass = 0; pass < 2; pass++)
            {
                foreach (var (name, insert) in shapes)
                {
                    var database = await backends.NewDatabaseAsync("postgres", $"shape_{Guid.NewGuid().ToString("N")[..10]}");
                    var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxAutoPrepare = 16, AutoPrepareMinUsages = 2 };
                    await using var connection = new NpgsqlConnection(builder.ConnectionString);
                    await connection.OpenAsync();
                    var next = 0L;
                    for (var i = 0; i < 100; i++) await insert(connection, size, next += size); // warm-up: JIT tiers, auto-prepare
                    var batches = Math.Max(1, (pass == 0 ? rowsPerShape / 4 : rowsPerShape) / size);
                    var process = Process.GetCurrentProcess();
                    var cpu0 = process.TotalProcessorTime;
                    var db0 = backends.DatabaseCpuSeconds("postgres");
                    var watch = Stopwatch.StartNew();
                    for (var i = 0; i < batches; i++) await insert(connection, size, next += size);
                    var wall = watch.Elapsed;
                    process.Refresh();
                    var rows = (double)batches * size;
                    if (pass == 0) continue;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {size} | {(process.TotalProcessorTime - cpu0).TotalMicroseconds / rows:N1} | {(backends.DatabaseCpuSeconds("postgres") - db0) * 1e6 / rows:N1} | {wall.TotalMicroseconds / rows:N1} |"));
                }
            }
        }
        Console.WriteLine();
    }

    // Each batch writes `size` rows of distinct ids ending at `last`, as a batch of many entities' writes does.
    private static (long Created, string Pid, long Seq)[] Rows(int size, long last) =>
        Enumerable.Range(0, size).Select(i => (DateTime.UtcNow.Ticks, $"order-{last - i}", 1L)).ToArray();

    private static async Task InsertUnnestAsync(NpgsqlConnection connection, int size, long last)
    {
        var rows = Rows(size, last);
        await using var command = new NpgsqlCommand(
            $"INSERT INTO journal ({Columns}) SELECT u.c, false, u.p, u.s, u.m, u.t, u.mf, u.i, @w " +
            "FROM unnest(@c, @p, @s, @m, @t, @mf, @i) WITH ORDINALITY AS u(c, p, s, m, t, mf, i, n) ORDER BY u.n", connection);
        command.Parameters.Add(new NpgsqlParameter<long[]>("c", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = rows.Select(r => r.Created).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("p", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = rows.Select(r => r.Pid).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]>("s", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = rows.Select(r => r.Seq).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<byte[][]>("m", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = rows.Select(_ => Payload).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("t", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = rows.Select(_ => ";order;").ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("mf", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = rows.Select(_ => "order.reserved").ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int[]>("i", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = rows.Select(_ => 4711).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string>("w", NpgsqlDbType.Text) { TypedValue = "bench" });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task InsertValuesAsync(NpgsqlConnection connection, int size, long last)
    {
        var rows = Rows(size, last);
        var sql = new StringBuilder($"INSERT INTO journal ({Columns}) VALUES ");
        await using var command = new NpgsqlCommand { Connection = connection };
        for (var i = 0; i < rows.Length; i++)
        {
            if (i > 0) sql.Append(',');
            sql.Append(CultureInfo.InvariantCulture, $"(@c{i}, false, @p{i}, @s{i}, @m{i}, @t{i}, @mf{i}, @i{i}, @w)");
            command.Parameters.Add(new NpgsqlParameter<long>($"c{i}", rows[i].Created));
            command.Parameters.Add(new NpgsqlParameter<string>($"p{i}", rows[i].Pid));
            command.Parameters.Add(new NpgsqlParameter<long>($"s{i}", rows[i].Seq));
            command.Parameters.Add(new NpgsqlParameter<byte[]>($"m{i}", Payload));
            command.Parameters.Add(new NpgsqlParameter<string>($"t{i}", ";order;"));
            command.Parameters.Add(new NpgsqlParameter<string>($"mf{i}", "order.reserved"));
            command.Parameters.Add(new NpgsqlParameter<int>($"i{i}", 4711));
        }
        command.Parameters.Add(new NpgsqlParameter<string>("w", "bench"));
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync();
    }

    private static async Task InsertBatchAsync(NpgsqlConnection connection, int size, long last)
    {
        var rows = Rows(size, last);
        // One batch is one implicit transaction.
        await using var batch = new NpgsqlBatch(connection);
        foreach (var row in rows)
        {
            var command = new NpgsqlBatchCommand($"INSERT INTO journal ({Columns}) VALUES ($1, false, $2, $3, $4, $5, $6, $7, $8)");
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row.Created });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Pid });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row.Seq });
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = Payload });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ";order;" });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "order.reserved" });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 4711 });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "bench" });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync();
    }

    private static async Task InsertCopyAsync(NpgsqlConnection connection, int size, long last)
    {
        var rows = Rows(size, last);
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY journal ({Columns}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(row.Created, NpgsqlDbType.Bigint);
                await copy.WriteAsync(false, NpgsqlDbType.Boolean);
                await copy.WriteAsync(row.Pid, NpgsqlDbType.Text);
                await copy.WriteAsync(row.Seq, NpgsqlDbType.Bigint);
                await copy.WriteAsync(Payload, NpgsqlDbType.Bytea);
                await copy.WriteAsync(";order;", NpgsqlDbType.Text);
                await copy.WriteAsync("order.reserved", NpgsqlDbType.Text);
                await copy.WriteAsync(4711, NpgsqlDbType.Integer);
                await copy.WriteAsync("bench", NpgsqlDbType.Text);
            }
            await copy.CompleteAsync();
        }
        await transaction.CommitAsync();
    }

    private static async Task SqliteLookupsAsync(Backends backends)
    {
        const int ids = 20_000, lookupsPerShape = 20_000;
        Console.WriteLine($"## SQLite: highest sequence numbers of many ids in one query ({ids:N0} ids x 5 events in the journal, {lookupsPerShape:N0} lookups per shape and size)");
        Console.WriteLine();
        Console.WriteLine("| shape | ids/query | CPU µs/id | wall µs/id |");
        Console.WriteLine("|---|---|---|---|");
        var database = await backends.NewDatabaseAsync("sqlite", "lookups");
        await using var connection = (SqliteConnection)await database.OpenAsync(default);
        await using (var transaction = connection.BeginTransaction())
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = $"INSERT INTO journal ({Columns}) VALUES (0, 0, @p, @s, x'00', '', 'm', 1, 'w')";
            var p = insert.Parameters.Add("@p", SqliteType.Text);
            var s = insert.Parameters.Add("@s", SqliteType.Integer);
            for (var i = 0; i < ids; i++)
            for (var n = 1; n <= 5; n++)
            {
                (p.Value, s.Value) = ($"order-{i}", n);
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }

        var random = new Random(7);
        foreach (var size in BatchSizes)
        {
            foreach (var shape in new[] { "json_each", "IN list" })
            {
                var queries = lookupsPerShape / size;
                // One command per size for the JSON shape (its text never changes); the IN list has a text per size.
                await using var command = connection.CreateCommand();
                command.CommandText = shape == "json_each"
                    ? "SELECT persistence_id, MAX(sequence_number) FROM journal WHERE persistence_id IN (SELECT value FROM json_each(@ids)) GROUP BY persistence_id"
                    : $"SELECT persistence_id, MAX(sequence_number) FROM journal WHERE persistence_id IN ({string.Join(',', Enumerable.Range(0, size).Select(i => "@p" + i))}) GROUP BY persistence_id";
                var parameters = shape == "json_each"
                    ? [command.Parameters.Add("@ids", SqliteType.Text)]
                    : Enumerable.Range(0, size).Select(i => command.Parameters.Add("@p" + i, SqliteType.Text)).ToArray();
                void Run()
                {
                    var batch = Enumerable.Range(0, size).Select(_ => $"order-{random.Next(ids)}").ToArray();
                    if (shape == "json_each") parameters[0].Value = JsonSerializer.Serialize(batch);
                    else for (var i = 0; i < size; i++) parameters[i].Value = batch[i];
                    using var reader = command.ExecuteReader();
                    while (reader.Read()) { }
                }
                for (var i = 0; i < 300; i++) Run();
                var process = Process.GetCurrentProcess();
                var cpu0 = process.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < queries; i++) Run();
                var wall = watch.Elapsed;
                process.Refresh();
                var looked = (double)queries * size;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {shape} | {size} | {(process.TotalProcessorTime - cpu0).TotalMicroseconds / looked:N1} | {wall.TotalMicroseconds / looked:N1} |"));
            }
        }
        Console.WriteLine();
    }
}
