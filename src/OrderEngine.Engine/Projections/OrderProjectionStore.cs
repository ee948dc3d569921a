using System.Data.Common;
using Akka.Persistence.Query;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Projections;

/// <summary>
/// The read tables built from the order events — order_deadlines (what each unfinished order waits for, and until
/// when) and channel_orders (each order a channel sent, by its external id) — with the projection's offset, kept in the
/// journal's database (tables in deploy/sql, created on start). Both SQLite and PostgreSQL understand the SQL used here.
/// </summary>
public sealed class OrderProjectionStore(JournalDatabase database)
{
    public const string ProjectionName = "orders";

    public async Task<long> LoadOffsetAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_offset FROM projection_offsets WHERE name = @name";
        command.AddParameter("name", ProjectionName);
        return await command.ExecuteScalarAsync(ct) is { } value and not DBNull ? Convert.ToInt64(value) : 0L;
    }

    /// <summary>Applies a batch of order events and moves the offset past them, in one transaction.</summary>
    public async Task ApplyAsync(IReadOnlyList<EventEnvelope> batch, TimeSpan grace, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        await using var connection = await OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        long lastOffset = 0;
        foreach (var envelope in batch)
        {
            lastOffset = ((Sequence)envelope.Offset).Value;
            if (envelope.Event is not IOrderEvent e) continue;
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            switch (OrderDeadlines.Of(e, grace))
            {
                case OrderDeadlines.Track t:
                    command.CommandText = """
                        INSERT INTO order_deadlines (order_id, expires_at, due_at) VALUES (@id, @expires, @due)
                        ON CONFLICT (order_id) DO UPDATE SET expires_at = excluded.expires_at, due_at = excluded.due_at
                        """;
                    command.AddParameter("expires", t.ExpiresAt.ToUnixTimeMilliseconds());
                    command.AddParameter("due", t.DueAt.ToUnixTimeMilliseconds());
                    break;
                case OrderDeadlines.DueAtHoldEnd:
                    command.CommandText = "UPDATE order_deadlines SET due_at = expires_at WHERE order_id = @id";
                    break;
                case OrderDeadlines.DueBy d:
                    command.CommandText = "UPDATE order_deadlines SET due_at = @due WHERE order_id = @id";
                    command.AddParameter("due", d.DueAt.ToUnixTimeMilliseconds());
                    break;
                case OrderDeadlines.Forget:
                    command.CommandText = "DELETE FROM order_deadlines WHERE order_id = @id";
                    break;
            }
            command.AddParameter("id", e.OrderId);
            await command.ExecuteNonQueryAsync(ct);
            if (e is OrderPlaced { ExternalId: { } externalId } placed)
            {
                await using var channel = connection.CreateCommand();
                channel.Transaction = tx;
                channel.CommandText = """
                    INSERT INTO channel_orders (channel, external_id, order_id, placed_at) VALUES (@channel, @external, @id, @at)
                    ON CONFLICT (channel, external_id) DO NOTHING
                    """;
                channel.AddParameter("channel", placed.Channel);
                channel.AddParameter("external", externalId);
                channel.AddParameter("id", placed.OrderId);
                channel.AddParameter("at", placed.At.ToUnixTimeMilliseconds());
                await channel.ExecuteNonQueryAsync(ct);
            }
        }
        await using (var offset = connection.CreateCommand())
        {
            offset.Transaction = tx;
            offset.CommandText = """
                INSERT INTO projection_offsets (name, last_offset) VALUES (@name, @offset)
                ON CONFLICT (name) DO UPDATE SET last_offset = excluded.last_offset
                """;
            offset.AddParameter("name", ProjectionName);
            offset.AddParameter("offset", lastOffset);
            await offset.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
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
