using System.Data.Common;
using System.Diagnostics;
using Akka.Actor;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Database;

/// <summary>Published on the actor system's event stream when this node's view of its database changes.</summary>
public sealed record DatabaseAvailabilityChanged(bool Available);

/// <summary>
/// This node's view of its database: probes it every <see cref="DatabaseOptions.ProbeInterval"/> (a fresh connection and
/// <c>SELECT 1</c>, at most <see cref="DatabaseOptions.ProbeTimeout"/>) and keeps the last answer, so readiness and the
/// HTTP edge can refuse at once while it is away instead of every request waiting out its ask timeout.
/// </summary>
/// <remarks>
/// When the view changes, the Npgsql pools are cleared (a pooled connection that lived through a restart of the server is
/// broken and fails its next command: without clearing, the first writes after the return failed) and
/// <see cref="DatabaseAvailabilityChanged"/> goes to the event stream, where the batching journal clears its own pool.
/// </remarks>
public sealed class DatabaseMonitor : BackgroundService
{
    private readonly Func<CancellationToken, Task> _probe;
    private readonly DatabaseOptions _options;
    private readonly IServiceProvider? _services;
    private readonly ILogger _log;
    private readonly object _gate = new();
    private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _available = true;
    private long _changedAt = Stopwatch.GetTimestamp();
    private long _probes, _failedProbes, _slowInARow;

    /// <summary>The monitor of <paramref name="database"/> (the journal's database).</summary>
    public DatabaseMonitor(JournalDatabase database, DatabaseOptions options, IServiceProvider? services = null, ILogger<DatabaseMonitor>? log = null)
        : this(ProbeOf(database), options, services, log)
    {
        Database = database;
    }

    /// <summary>A monitor with its own probe (tests): the probe throws or does not finish in time when the database is away.</summary>
    public DatabaseMonitor(Func<CancellationToken, Task> probe, DatabaseOptions options, IServiceProvider? services = null, ILogger<DatabaseMonitor>? log = null)
    {
        _probe = probe;
        _options = options;
        _services = services;
        _log = log ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The database watched, when built from one.</summary>
    public JournalDatabase? Database { get; }

    /// <summary>The settings the monitor runs with.</summary>
    public DatabaseOptions Options => _options;

    /// <summary>True unless the last probe failed. The node starts available: the schema was just prepared on the database.</summary>
    public bool IsAvailable => _available;

    /// <summary>Why the last probe failed (null while available).</summary>
    public string? LastFailure { get; private set; }

    /// <summary>How long the current state (available or not) has lasted.</summary>
    public TimeSpan Since => Stopwatch.GetElapsedTime(Interlocked.Read(ref _changedAt));

    /// <summary>Probes made and probes that failed since start.</summary>
    public (long Probes, long Failed) Counts => (Interlocked.Read(ref _probes), Interlocked.Read(ref _failedProbes));

    /// <summary>Completes when the database is seen away (already completed while it is away).</summary>
    public Task WhenUnavailable
    {
        get
        {
            lock (_gate) return _lost.Task;
        }
    }

    /// <summary>
    /// Asks an entity with the database in mind. While the database is away the ask waits only
    /// <see cref="DatabaseOptions.AskTimeoutWhileUnavailable"/> (an entity already awake can answer from memory; one that
    /// must recover cannot); an ask in flight when the database goes away is given up at once with
    /// <see cref="DatabaseUnavailableException"/> (an entity whose write fails stops without answering, so waiting out the
    /// timeout would only make the caller wait). The request may still complete later: it is idempotent, retry it.
    /// </summary>
    public Task<T> AskAsync<T>(ICanTell target, object message, TimeSpan timeout, CancellationToken ct)
    {
        if (!IsAvailable)
        {
            var shortened = _options.AskTimeoutWhileUnavailable;
            return target.Ask<T>(message, shortened < timeout ? shortened : timeout, ct);
        }
        var lost = WhenUnavailable;
        var ask = target.Ask<T>(message, timeout, ct);
        return ask.IsCompleted ? ask : FirstOf(ask, lost);
    }

    private static async Task<T> FirstOf<T>(Task<T> ask, Task lost)
    {
        if (await Task.WhenAny(ask, lost).ConfigureAwait(false) == ask) return await ask.ConfigureAwait(false);
        _ = ask.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        throw new DatabaseUnavailableException("the database went away while the request was in progress");
    }

    /// <summary>Raised (on the probing thread) with the new state whenever it changes.</summary>
    public event Action<bool>? Changed;

    /// <summary>One probe; records and returns the outcome. Never throws, never takes longer than the probe timeout.</summary>
    public async Task<bool> ProbeAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _probes);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.ProbeTimeout);
        string? failure;
        var timedOut = false;
        try
        {
            // WaitAsync: a probe stuck in a call that ignores its token still gives up on time.
            await _probe(timeout.Token).WaitAsync(timeout.Token);
            failure = null;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            failure = $"no answer within {_options.ProbeTimeout.TotalMilliseconds:0} ms";
            timedOut = true;
        }
        catch (Exception e)
        {
            failure = e.GetBaseException().Message;
        }
        if (failure is not null) Interlocked.Increment(ref _failedProbes);
        // A refused or broken connection marks the database away at once; a slow answer only when the next probe is
        // slow too: on a node whose cores are saturated (a flash sale) one late answer is not an outage.
        if (!timedOut) Interlocked.Exchange(ref _slowInARow, 0);
        else if (Interlocked.Increment(ref _slowInARow) < 2 && _available) return false;
        Report(failure);
        return failure is null;
    }

    /// <summary>Records an outcome: null when the database answered, else why it did not.</summary>
    public void Report(string? failure)
    {
        var available = failure is null;
        bool changed;
        TimeSpan lasted;
        lock (_gate)
        {
            LastFailure = failure;
            changed = available != _available;
            if (!changed) return;
            _available = available;
            lasted = Stopwatch.GetElapsedTime(Interlocked.Exchange(ref _changedAt, Stopwatch.GetTimestamp()));
            if (available) _lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            else _lost.TrySetResult();
        }
        if (available) _log.LogInformation("database is back after {Seconds:0.0} s away", lasted.TotalSeconds);
        else _log.LogWarning("database is unavailable: {Reason}; database-bound requests are answered 503 until it answers again", failure);
        OnChanged(available);
    }

    private void OnChanged(bool available)
    {
        // Pooled connections that lived through the outage are broken; drop them so the first commands after the return
        // open fresh ones instead of failing.
        if (Database?.Provider == PersistenceProvider.PostgreSql) NpgsqlConnection.ClearAllPools();
        try
        {
            (_services?.GetService<ActorSystem>())?.EventStream.Publish(new DatabaseAvailabilityChanged(available));
        }
        catch (Exception e)
        {
            _log.LogDebug(e, "could not publish the database's availability (actor system stopping?)");
        }
        try
        {
            Changed?.Invoke(available);
        }
        catch (Exception e)
        {
            _log.LogError(e, "a database availability listener failed");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.ProbeInterval > TimeSpan.Zero ? _options.ProbeInterval : TimeSpan.FromMilliseconds(500));
        try
        {
            do
            {
                await ProbeAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The probe of a journal database: on PostgreSQL a connection of its own outside the pools (a pooled one could be a
    /// broken leftover, or wait behind busy writers) and <c>SELECT 1</c>; on SQLite a <c>SELECT 1</c> on the file.
    /// </summary>
    public static Func<CancellationToken, Task> ProbeOf(JournalDatabase database)
    {
        if (database.Provider == PersistenceProvider.PostgreSql)
        {
            var unpooled = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false, Timeout = 5 }.ConnectionString;
            return async ct =>
            {
                await using var connection = new NpgsqlConnection(unpooled);
                await connection.OpenAsync(ct);
                await SelectOneAsync(connection, ct);
            };
        }
        return async ct =>
        {
            await using var connection = new SqliteConnection(database.ConnectionString);
            await connection.OpenAsync(ct);
            await SelectOneAsync(connection, ct);
        };
    }

    private static async Task SelectOneAsync(DbConnection connection, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(ct);
    }
}

/// <summary>Thrown to a caller whose request needs the database while this node sees it away: answered 503 with Retry-After.</summary>
public sealed class DatabaseUnavailableException(string message) : Exception(message);

/// <summary>Which database errors mean "the database is away" (try again) rather than a fault of the request.</summary>
public static class DatabaseFailures
{
    /// <summary>True for a lost or refused connection, a server shutting down or starting up, a timeout, an open breaker.</summary>
    public static bool IsUnavailable(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DatabaseUnavailableException:
                case Akka.Pattern.OpenCircuitException:
                case TimeoutException:
                    return true;
                case PostgresException pg:
                    // 08: connection exception; 53: insufficient resources; 57P: operator intervention (shutdown, starting up).
                    if (pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
                        || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.IsTransient) return true;
                    return false;
                case NpgsqlException:
                    return true; // not a PostgresException: the connection itself failed
                case System.Net.Sockets.SocketException:
                    return true;
                case SqliteException sqlite when sqlite.SqliteErrorCode is 5 or 6: // busy, locked
                    return true;
            }
        }
        return false;
    }
}
