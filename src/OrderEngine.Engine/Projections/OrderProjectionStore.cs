using System.Data.Common;
using Akka.Persistence.Query;
using OrderEngine.Domain.Orders;
using Npgsql;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Projections;

/// <summary>
/// The read tables built from the order events — order_deadlines (what each unfinished order waits for, and until
/// when) and channel_orders (each order a channel sent, by its external id) — with the projection's offset, kept in the
/// journal's database (tables in deploy/sql, created on start). Both SQLite and PostgreSQL understand the SQL used here.
/// </summary>
public sealed class OrderProjectionStore(JournalDatabase database)
{
    public const string ProjectionName = "order-deadlines";

    public Task<long> LoadOffsetAsync(CancellationToken ct) => ProjectionOffsets.LoadAsync(database, ProjectionName, ct);

    /// <summary>Empties both tables and the offset, in one transaction (a rebuild reads every order event again).</summary>
    public Task ResetAsync(CancellationToken ct) => ProjectionOffsets.ResetAsync(database, ProjectionName, ["order_deadlines", "channel_orders"], ct);

    /// <summary>
    /// Applies a batch of order events and moves the offset past them, in one transaction. The batch's deadline changes
    /// are folded into their net effect first (<see cref="OrderDeadlines.Combine"/>), so the database sees a few
    /// set-based statements per batch rather than one per event: at thousands of orders a second the per-event form
    /// cost more than the journal writes themselves.
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<EventEnvelope> batch, TimeSpan grace, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var lastOffset = ProjectionOffsets.Last(batch);
        var events = batch.Select(e => e.Event).OfType<IOrderEvent>().ToList();
        var net = OrderDeadlines.Combine(events.Select(e => OrderDeadlines.Of(e, grace)));
        var placed = events.OfType<OrderPlaced>().Where(p => p.ExternalId is not null).ToList();
        await using var connection = await database.OpenForProjectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (database.Provider == PersistenceProvider.PostgreSql) await ApplyOnPostgresAsync((NpgsqlConnection)connection, net, placed, ct);
        else await ApplyRowByRowAsync(connection, tx, net, placed, ct);
        await ProjectionOffsets.SaveAsync(connection, tx, ProjectionName, lastOffset, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>PostgreSQL: one statement per kind of change, rows passed as arrays (one round trip each).</summary>
    private static async Task ApplyOnPostgresAsync(NpgsqlConnection connection, OrderDeadlines.Net net, List<OrderPlaced> placed, CancellationToken ct)
    {
        var batch = new NpgsqlBatch(connection);
        if (net.Upserts.Count > 0)
            batch.BatchCommands.Add(Command("""
                INSERT INTO order_deadlines (order_id, expires_at, due_at) SELECT * FROM unnest(@ids, @expires, @dues)
                ON CONFLICT (order_id) DO UPDATE SET expires_at = excluded.expires_at, due_at = excluded.due_at
                """,
                ("ids", net.Upserts.Select(t => t.OrderId).ToArray()),
                ("expires", net.Upserts.Select(t => t.ExpiresAt.ToUnixTimeMilliseconds()).ToArray()),
                ("dues", net.Upserts.Select(t => t.DueAt.ToUnixTimeMilliseconds()).ToArray())));
        if (net.DueAtHoldEnd.Count > 0)
            batch.BatchCommands.Add(Command("UPDATE order_deadlines SET due_at = expires_at WHERE order_id = ANY(@ids)", ("ids", net.DueAtHoldEnd.ToArray())));
        if (net.DueBy.Count > 0)
            batch.BatchCommands.Add(Command("""
                INSERT INTO order_deadlines (order_id, expires_at, due_at) SELECT * FROM unnest(@ids, @expires, @dues)
                ON CONFLICT (order_id) DO UPDATE SET due_at = excluded.due_at
                """,
                ("ids", net.DueBy.Select(d => d.OrderId).ToArray()),
                ("expires", net.DueBy.Select(d => d.ExpiresIfNew.ToUnixTimeMilliseconds()).ToArray()),
                ("dues", net.DueBy.Select(d => d.DueAt.ToUnixTimeMilliseconds()).ToArray())));
        if (net.DueByThenHoldEnd.Count > 0)
            batch.BatchCommands.Add(Command("""
                INSERT INTO order_deadlines (order_id, expires_at, due_at) SELECT u.id, u.e, u.e FROM unnest(@ids, @expires) AS u(id, e)
                ON CONFLICT (order_id) DO UPDATE SET due_at = order_deadlines.expires_at
                """,
                ("ids", net.DueByThenHoldEnd.Select(d => d.OrderId).ToArray()),
                ("expires", net.DueByThenHoldEnd.Select(d => d.ExpiresIfNew.ToUnixTimeMilliseconds()).ToArray())));
        if (net.Deletes.Count > 0)
            batch.BatchCommands.Add(Command("DELETE FROM order_deadlines WHERE order_id = ANY(@ids)", ("ids", net.Deletes.ToArray())));
        if (placed.Count > 0)
            batch.BatchCommands.Add(Command("""
                INSERT INTO channel_orders (channel, external_id, order_id, placed_at) SELECT * FROM unnest(@channels, @externals, @ids, @ats)
                ON CONFLICT (channel, external_id) DO NOTHING
                """,
                ("channels", placed.Select(p => p.Channel).ToArray()),
                ("externals", placed.Select(p => p.ExternalId!).ToArray()),
                ("ids", placed.Select(p => p.OrderId).ToArray()),
                ("ats", placed.Select(p => p.At.ToUnixTimeMilliseconds()).ToArray())));
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(ct);

        static NpgsqlBatchCommand Command(string sql, params (string Name, object Value)[] parameters)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var (name, value) in parameters) command.Parameters.Add(new NpgsqlParameter(name, value));
            return command;
        }
    }

    /// <summary>SQLite: in-process, so a prepared statement per kind of change, run for each row, costs no round trips.</summary>
    private static async Task ApplyRowByRowAsync(DbConnection connection, DbTransaction tx, OrderDeadlines.Net net, List<OrderPlaced> placed, CancellationToken ct)
    {
        await RunForEachAsync(connection, tx, """
            INSERT INTO order_deadlines (order_id, expires_at, due_at) VALUES (@id, @expires, @due)
            ON CONFLICT (order_id) DO UPDATE SET expires_at = excluded.expires_at, due_at = excluded.due_at
            """, net.Upserts, t => [t.OrderId, t.ExpiresAt.ToUnixTimeMilliseconds(), t.DueAt.ToUnixTimeMilliseconds()], ["id", "expires", "due"], ct);
        await RunForEachAsync(connection, tx, "UPDATE order_deadlines SET due_at = expires_at WHERE order_id = @id",
            net.DueAtHoldEnd, id => [id], ["id"], ct);
        await RunForEachAsync(connection, tx, """
            INSERT INTO order_deadlines (order_id, expires_at, due_at) VALUES (@id, @expires, @due)
            ON CONFLICT (order_id) DO UPDATE SET due_at = excluded.due_at
            """, net.DueBy, d => [d.OrderId, d.ExpiresIfNew.ToUnixTimeMilliseconds(), d.DueAt.ToUnixTimeMilliseconds()], ["id", "expires", "due"], ct);
        await RunForEachAsync(connection, tx, """
            INSERT INTO order_deadlines (order_id, expires_at, due_at) VALUES (@id, @expires, @expires)
            ON CONFLICT (order_id) DO UPDATE SET due_at = order_deadlines.expires_at
            """, net.DueByThenHoldEnd, d => [d.OrderId, d.ExpiresIfNew.ToUnixTimeMilliseconds()], ["id", "expires"], ct);
        await RunForEachAsync(connection, tx, "DELETE FROM order_deadlines WHERE order_id = @id", net.Deletes, id => [id], ["id"], ct);
        await RunForEachAsync(connection, tx, """
            INSERT INTO channel_orders (channel, external_id, order_id, placed_at) VALUES (@channel, @external, @id, @at)
            ON CONFLICT (channel, external_id) DO NOTHING
            """, placed, p => [p.Channel, p.ExternalId!, p.OrderId, p.At.ToUnixTimeMilliseconds()], ["channel", "external", "id", "at"], ct);
    }

    private static async Task RunForEachAsync<T>(DbConnection connection, DbTransaction tx, string sql, IReadOnlyList<T> rows,
        Func<T, object[]> values, string[] names, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        var parameters = names.Select(name =>
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            command.Parameters.Add(p);
            return p;
        }).ToArray();
        await command.PrepareAsync(ct);
        foreach (var row in rows)
        {
            var v = values(row);
            for (var i = 0; i < v.Length; i++) parameters[i].Value = v[i];
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>What a woken order said of itself: when it next needs waking, or (null) that it owes nothing.</summary>
    public async Task RescheduleAsync(string orderId, DateTimeOffset? nextDue, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = nextDue is null
            ? "DELETE FROM order_deadlines WHERE order_id = @id"
            : "UPDATE order_deadlines SET due_at = @due WHERE order_id = @id";
        command.AddParameter("id", orderId);
        if (nextDue is { } due) command.AddParameter("due", due.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Orders whose next step was due at or before <paramref name="now"/>, earliest first.</summary>
    public async Task<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int limit, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT order_id FROM order_deadlines WHERE due_at <= @now ORDER BY due_at LIMIT @limit";
        command.AddParameter("now", now.ToUnixTimeMilliseconds());
        command.AddParameter("limit", limit);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        return ids;
    }

    private Task<DbConnection> OpenAsync(CancellationToken ct) => database.OpenAsync(ct);
}
