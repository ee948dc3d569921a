using System.Collections.Immutable;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Akka.Persistence.Query;
using OrderEngine.Domain.Webhooks;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.Webhooks;

/// <summary>A subscription as listed: never with its secret.</summary>
public sealed record WebhookSubscriptionView(string Id, string Url, ImmutableArray<string> Events, string? Description, DateTimeOffset CreatedAt);

/// <summary>The state of one delivery of one event to one subscription.</summary>
public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Dead = "dead";

    public static readonly ImmutableArray<string> All = [Pending, Delivered, Dead];
}

/// <summary>A delivery as an operator sees it (the dead-letter list shows attempts and the last error).</summary>
public sealed record WebhookDeliveryView(
    string Id,
    string SubscriptionId,
    string EventId,
    string EventType,
    string? OrderId,
    string Status,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? LastAttemptAt,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt);

/// <summary>A delivery due to be sent, with what sending it needs.</summary>
public sealed record DueDelivery(string Id, string Url, string Secret, string EventId, string EventType, string Body, int Attempts);

/// <summary>
/// The webhook tables (deploy/sql) in the journal's database: subscriptions, the outbox of deliveries and the webhook
/// projection's offset. A delivery's id is derived from its event id and subscription, so projecting an event again
/// (after a crash between the journal and the offset) writes no second row.
/// </summary>
public sealed class WebhookStore(JournalDatabase database)
{
    /// <summary>The offset name of the projection of order events (a projection of another tag gets its own name).</summary>
    public const string ProjectionName = "webhooks";

    // ---- subscriptions ----

    public async Task CreateSubscriptionAsync(string id, WebhookSubscriptionSpec spec, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO webhook_subscriptions (id, url, events, secret, description, created_at)
            VALUES (@id, @url, @events, @secret, @description, @at)
            """;
        command.AddParameter("id", id);
        command.AddParameter("url", spec.Url.AbsoluteUri);
        command.AddParameter("events", string.Join(',', spec.Events));
        command.AddParameter("secret", spec.Secret);
        command.AddParameter("description", (object?)spec.Description ?? DBNull.Value);
        command.AddParameter("at", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<WebhookSubscriptionView>> ListSubscriptionsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, url, events, description, created_at FROM webhook_subscriptions ORDER BY created_at, id";
        var list = new List<WebhookSubscriptionView>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new WebhookSubscriptionView(
                reader.GetString(0), reader.GetString(1), [.. reader.GetString(2).Split(',')],
                reader.IsDBNull(3) ? null : reader.GetString(3), Time(reader.GetValue(4))));
        return list;
    }

    /// <summary>Removes a subscription and every delivery of it (pending ones are not sent); false when there was none.</summary>
    public async Task<bool> DeleteSubscriptionAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        int removed;
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = "DELETE FROM webhook_subscriptions WHERE id = @id";
            command.AddParameter("id", id);
            removed = await command.ExecuteNonQueryAsync(ct);
        }
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = "DELETE FROM webhook_deliveries WHERE subscription_id = @id";
            command.AddParameter("id", id);
            await command.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return removed > 0;
    }

    public async Task<bool> SubscriptionExistsAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM webhook_subscriptions WHERE id = @id";
        command.AddParameter("id", id);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct)) > 0;
    }

    // ---- projection ----

    public Task<long> LoadOffsetAsync(CancellationToken ct) => ProjectionOffsets.LoadAsync(database, ProjectionName, ct);

    /// <summary>
    /// Writes one pending delivery per (outbound event of the batch, subscription that asked for its type) and moves the
    /// offset past the batch, in one transaction: a crash before the commit re-reads the batch, and the rows it wrote
    /// again already exist (same ids), so nothing is lost and nothing doubled. Answers how many rows were written.
    /// </summary>
    public async Task<int> ApplyAsync(IReadOnlyList<EventEnvelope> batch, DateTimeOffset now, CancellationToken ct)
    {
        if (batch.Count == 0) return 0;
        var lastOffset = ProjectionOffsets.Last(batch);
        await using var connection = await database.OpenForProjectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var subscriptions = new List<(string Id, string[] Events)>();
        await using (var read = connection.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT id, events FROM webhook_subscriptions";
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) subscriptions.Add((reader.GetString(0), reader.GetString(1).Split(',')));
        }
        var written = 0;
        if (subscriptions.Count > 0)
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, order_id, body, status, attempts, next_attempt_at, created_at)
                VALUES (@id, @subscription, @event, @type, @order, @body, 'pending', 0, @at, @at)
                ON CONFLICT (id) DO NOTHING
                """;
            var p = new[] { "id", "subscription", "event", "type", "order", "body", "at" }.ToDictionary(n => n, n =>
            {
                var parameter = insert.CreateParameter();
                parameter.ParameterName = n;
                insert.Parameters.Add(parameter);
                return parameter;
            });
            var prepared = false;
            foreach (var envelope in batch)
            {
                foreach (var outbound in OutboundEvents.From(envelope.PersistenceId, envelope.SequenceNr, envelope.Event))
                {
                    foreach (var (subscriptionId, events) in subscriptions)
                    {
                        if (!events.Contains(outbound.Type, StringComparer.Ordinal)) continue;
                        if (!prepared)
                        {
                            p["at"].Value = now.ToUnixTimeMilliseconds();
                            p["id"].Value = p["subscription"].Value = p["event"].Value = p["type"].Value = p["order"].Value = p["body"].Value = "";
                            await insert.PrepareAsync(ct);
                            prepared = true;
                        }
                        p["id"].Value = DeliveryIdOf(outbound.EventId, subscriptionId);
                        p["subscription"].Value = subscriptionId;
                        p["event"].Value = outbound.EventId;
                        p["type"].Value = outbound.Type;
                        p["order"].Value = (object?)outbound.OrderId ?? DBNull.Value;
                        p["body"].Value = outbound.Body();
                        written += await insert.ExecuteNonQueryAsync(ct);
                    }
                }
            }
        }
        await ProjectionOffsets.SaveAsync(connection, tx, ProjectionName, lastOffset, ct);
        await tx.CommitAsync(ct);
        return written;
    }

    /// <summary>"dlv_" and 32 hex digits of SHA-256 over event id and subscription id.</summary>
    public static string DeliveryIdOf(string eventId, string subscriptionId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(eventId + "\n" + subscriptionId));
        return "dlv_" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    // ---- dispatch ----

    /// <summary>Pending deliveries due at <paramref name="now"/>, earliest first, with their subscription's URL and secret.</summary>
    public async Task<IReadOnlyList<DueDelivery>> DueAsync(DateTimeOffset now, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT d.id, s.url, s.secret, d.event_id, d.event_type, d.body, d.attempts
            FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
            WHERE d.status = 'pending' AND d.next_attempt_at <= @now
            ORDER BY d.next_attempt_at, d.id LIMIT @limit
            """;
        command.AddParameter("now", now.ToUnixTimeMilliseconds());
        command.AddParameter("limit", limit);
        var due = new List<DueDelivery>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            due.Add(new DueDelivery(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), Convert.ToInt32(reader.GetValue(6))));
        return due;
    }

    /// <summary>Records an attempt that the subscriber acknowledged (2xx).</summary>
    public Task MarkDeliveredAsync(string id, int attempts, DateTimeOffset now, CancellationToken ct) =>
        ExecuteAsync("""
            UPDATE webhook_deliveries SET status = 'delivered', attempts = @attempts, last_attempt_at = @now, delivered_at = @now, last_error = NULL
            WHERE id = @id AND status = 'pending'
            """, ct, ("id", id), ("attempts", attempts), ("now", now.ToUnixTimeMilliseconds()));

    /// <summary>Records a failed attempt: pending again at the step's time, or dead when no attempts are left.</summary>
    public Task MarkFailedAsync(string id, int attempts, string error, DeliveryStep step, DateTimeOffset now, CancellationToken ct) =>
        step switch
        {
            DeliveryStep.RetryAt retry => ExecuteAsync("""
                UPDATE webhook_deliveries SET attempts = @attempts, last_attempt_at = @now, last_error = @error, next_attempt_at = @next
                WHERE id = @id AND status = 'pending'
                """, ct, ("id", id), ("attempts", attempts), ("now", now.ToUnixTimeMilliseconds()), ("error", Truncate(error)),
                ("next", retry.At.ToUnixTimeMilliseconds())),
            _ => ExecuteAsync("""
                UPDATE webhook_deliveries SET status = 'dead', attempts = @attempts, last_attempt_at = @now, last_error = @error
                WHERE id = @id AND status = 'pending'
                """, ct, ("id", id), ("attempts", attempts), ("now", now.ToUnixTimeMilliseconds()), ("error", Truncate(error))),
        };

    // ---- operators ----

    /// <summary>Deliveries in a status (all when null), optionally of one subscription, newest first.</summary>
    public async Task<IReadOnlyList<WebhookDeliveryView>> ListDeliveriesAsync(string? status, string? subscriptionId, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        if (status is not null) { where.Add("status = @status"); command.AddParameter("status", status); }
        if (subscriptionId is not null) { where.Add("subscription_id = @subscription"); command.AddParameter("subscription", subscriptionId); }
        command.CommandText = $"""
            SELECT id, subscription_id, event_id, event_type, order_id, status, attempts, next_attempt_at, last_attempt_at, last_error, created_at, delivered_at
            FROM webhook_deliveries {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")}
            ORDER BY created_at DESC, id LIMIT @limit
            """;
        command.AddParameter("limit", limit);
        var list = new List<WebhookDeliveryView>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new WebhookDeliveryView(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
                Convert.ToInt32(reader.GetValue(6)), Time(reader.GetValue(7)),
                reader.IsDBNull(8) ? null : Time(reader.GetValue(8)),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                Time(reader.GetValue(10)),
                reader.IsDBNull(11) ? null : Time(reader.GetValue(11))));
        return list;
    }

    /// <summary>
    /// Sends a dead or delivered delivery again: pending, attempts from zero, due now. A pending one is already on its
    /// way and is left as it is. Answers the delivery's status before the call, or null when there is no such delivery.
    /// </summary>
    public async Task<string?> ReplayAsync(string id, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        string? status;
        await using (var read = connection.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT status FROM webhook_deliveries WHERE id = @id";
            read.AddParameter("id", id);
            status = await read.ExecuteScalarAsync(ct) as string;
        }
        if (status is DeliveryStatus.Dead or DeliveryStatus.Delivered)
        {
            await using var update = connection.CreateCommand();
            update.Transaction = tx;
            update.CommandText = """
                UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now, delivered_at = NULL
                WHERE id = @id AND status = @status
                """;
            update.AddParameter("id", id);
            update.AddParameter("status", status);
            update.AddParameter("now", now.ToUnixTimeMilliseconds());
            await update.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return status;
    }

    /// <summary>Sends every dead delivery of a subscription again; answers how many.</summary>
    public async Task<int> ReplayDeadAsync(string subscriptionId, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now
            WHERE subscription_id = @subscription AND status = 'dead'
            """;
        command.AddParameter("subscription", subscriptionId);
        command.AddParameter("now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(ct);
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.AddParameter(name, value);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static DateTimeOffset Time(object value) => DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value));

    /// <summary>Errors are kept short (a subscriber's error page can be large); PostgreSQL text cannot hold U+0000.</summary>
    private static string Truncate(string error)
    {
        var clean = error.Replace("\0", "", StringComparison.Ordinal);
        return clean.Length <= 500 ? clean : clean[..500];
    }
}
