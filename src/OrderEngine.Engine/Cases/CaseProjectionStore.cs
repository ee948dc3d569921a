using System.Data.Common;
using Akka.Persistence.Query;
using OrderEngine.Domain.Cases;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.Cases;

/// <summary>One row of the cases read table; <paramref name="Overdue"/> is computed when the row is read.</summary>
public sealed record CaseRow(
    string CaseId,
    string OrderId,
    string Type,
    string Status,
    DateTimeOffset DueAt,
    bool Overdue,
    string? Assignee,
    DateTimeOffset OpenedAt,
    DateTimeOffset UpdatedAt);

/// <summary>
/// The cases read table (deploy/sql), built from the tagged case events, with the projection's offset under its own
/// name. Cases are few next to orders, so each event is one statement in the batch's transaction.
/// </summary>
public sealed class CaseProjectionStore(JournalDatabase database) : IProjection
{
    public const string ProjectionName = "cases";

    public string Name => ProjectionName;

    public bool Rebuildable => true;

    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public Task<long> LoadOffsetAsync(CancellationToken ct) => ProjectionOffsets.LoadAsync(database, ProjectionName, ct);

    /// <summary>Empties the cases table and the offset, in one transaction (the start of a rebuild).</summary>
    public Task ResetAsync(CancellationToken ct) => ProjectionOffsets.ResetAsync(database, ProjectionName, ["cases"], ct);

    /// <summary>Applies a batch of case events and moves the offset past them, in one transaction (a replayed batch gives the same rows).</summary>
    public async Task ApplyAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var lastOffset = ProjectionOffsets.Last(batch);
        await using var connection = await database.OpenForProjectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        foreach (var e in batch.Select(b => b.Event).OfType<ICaseEvent>()) await ApplyAsync(connection, tx, e, ct);
        await ProjectionOffsets.SaveAsync(connection, tx, ProjectionName, lastOffset, ct);
        await tx.CommitAsync(ct);
    }

    private static Task ApplyAsync(DbConnection c, DbTransaction tx, ICaseEvent e, CancellationToken ct) => e switch
    {
        CaseOpened x => Run(c, tx, """
            INSERT INTO cases (case_id, order_id, type, status, due_at, assignee, opened_at, updated_at)
            VALUES (@id, @order, @type, @status, @due, NULL, @at, @at)
            ON CONFLICT (case_id) DO NOTHING
            """, ct, ("id", x.CaseId), ("order", x.OrderId), ("type", TypeName(x.Type)), ("status", StatusName(CaseStatus.Open)),
            ("due", x.DueAt.ToUnixTimeMilliseconds()), ("at", x.At.ToUnixTimeMilliseconds())),
        CaseStarted x => Run(c, tx, "UPDATE cases SET status = @status, assignee = @assignee, updated_at = @at WHERE case_id = @id", ct,
            ("id", x.CaseId), ("status", StatusName(CaseStatus.InProgress)), ("assignee", x.Operator), ("at", x.At.ToUnixTimeMilliseconds())),
        CaseResolved x => Status(c, tx, x.CaseId, CaseStatus.Resolved, x.At, ct),
        CaseClosed x => Status(c, tx, x.CaseId, CaseStatus.Closed, x.At, ct),
        CaseReopened x => Status(c, tx, x.CaseId, CaseStatus.InProgress, x.At, ct),
        _ => Run(c, tx, "UPDATE cases SET updated_at = @at WHERE case_id = @id", ct, ("id", e.CaseId), ("at", e.At.ToUnixTimeMilliseconds())),
    };

    private static Task Status(DbConnection c, DbTransaction tx, string caseId, CaseStatus status, DateTimeOffset at, CancellationToken ct) =>
        Run(c, tx, "UPDATE cases SET status = @status, updated_at = @at WHERE case_id = @id", ct,
            ("id", caseId), ("status", StatusName(status)), ("at", at.ToUnixTimeMilliseconds()));

    private static async Task Run(DbConnection connection, DbTransaction tx, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.AddParameter(name, value);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Cases by due time (earliest first, then by id), optionally of one status and/or one order; a page of
    /// <paramref name="limit"/> rows from <paramref name="offset"/>. Overdue is computed against <paramref name="now"/>.
    /// </summary>
    public async Task<IReadOnlyList<CaseRow>> ListAsync(CaseStatus? status, string? orderId, int limit, int offset, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        if (status is { } s)
        {
            where.Add("status = @status");
            command.AddParameter("status", StatusName(s));
        }
        if (orderId is not null)
        {
            where.Add("order_id = @order");
            command.AddParameter("order", orderId);
        }
        command.CommandText = "SELECT case_id, order_id, type, status, due_at, assignee, opened_at, updated_at FROM cases"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + " ORDER BY due_at, case_id LIMIT @limit OFFSET @offset";
        command.AddParameter("limit", limit);
        command.AddParameter("offset", offset);
        var rows = new List<CaseRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var rowStatus = reader.GetString(3);
            var due = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4));
            var open = rowStatus == StatusName(CaseStatus.Open) || rowStatus == StatusName(CaseStatus.InProgress);
            rows.Add(new CaseRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), rowStatus, due, open && now > due,
                reader.IsDBNull(5) ? null : reader.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
        }
        return rows;
    }

    /// <summary>The names the table and the HTTP API use: camelCase, as in JSON.</summary>
    public static string StatusName(CaseStatus status) => CaseDecider.Lower(status);

    public static string TypeName(CaseType type) => type == CaseType.WrongItem ? "wrongItem" : type.ToString().ToLowerInvariant();
}
