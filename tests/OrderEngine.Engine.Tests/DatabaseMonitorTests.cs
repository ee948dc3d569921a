using Npgsql;
using OrderEngine.Engine.Database;
using OrderEngine.Engine.Hosting;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>The database monitor: its view follows the probes, a stuck probe counts as a failure, and PostgreSQL going away and coming back is seen.</summary>
public sealed class DatabaseMonitorTests
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(30);

    private static DatabaseOptions Fast => new() { ProbeInterval = TimeSpan.FromMilliseconds(50), ProbeTimeout = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task A_failed_probe_makes_the_database_unavailable_and_a_good_one_makes_it_available_again()
    {
        var away = false;
        var monitor = new DatabaseMonitor(_ => away ? Task.FromException(new NpgsqlException("connection refused")) : Task.CompletedTask, Fast);
        var changes = new List<bool>();
        monitor.Changed += changes.Add;

        Assert.True(await monitor.ProbeAsync(CancellationToken.None));
        Assert.True(monitor.IsAvailable);
        var lost = monitor.WhenUnavailable;
        Assert.False(lost.IsCompleted);

        away = true;
        Assert.False(await monitor.ProbeAsync(CancellationToken.None));
        Assert.False(monitor.IsAvailable);
        Assert.Contains("connection refused", monitor.LastFailure);
        Assert.True(lost.IsCompleted);
        Assert.True(monitor.WhenUnavailable.IsCompleted);

        away = false;
        Assert.True(await monitor.ProbeAsync(CancellationToken.None));
        Assert.True(monitor.IsAvailable);
        Assert.Null(monitor.LastFailure);
        Assert.False(monitor.WhenUnavailable.IsCompleted);
        Assert.Equal([false, true], changes);
        Assert.Equal((3L, 1L), monitor.Counts);
    }

    [Fact]
    public async Task A_probe_that_does_not_answer_counts_as_a_failure_instead_of_hanging()
    {
        // The probe ignores its token, as a call stuck on a dead connection can.
        var monitor = new DatabaseMonitor(_ => Task.Delay(Timeout.Infinite), Fast);

        // One late answer is not an outage (a saturated node answers late); two in a row are.
        Assert.False(await monitor.ProbeAsync(CancellationToken.None).WaitAsync(NoHang));
        Assert.True(monitor.IsAvailable);
        Assert.False(await monitor.ProbeAsync(CancellationToken.None).WaitAsync(NoHang));
        Assert.False(monitor.IsAvailable);
        Assert.Contains("no answer", monitor.LastFailure);
    }

    [Fact]
    public async Task The_running_monitor_probes_on_its_interval()
    {
        var away = false;
        var monitor = new DatabaseMonitor(_ => away ? throw new TimeoutException("stuck") : Task.CompletedTask, Fast);
        await monitor.StartAsync(CancellationToken.None);
        try
        {
            away = true;
            await monitor.WhenUnavailable.WaitAsync(NoHang);
            Assert.False(monitor.IsAvailable);
            away = false;
            var back = new TaskCompletionSource();
            monitor.Changed += available => { if (available) back.TrySetResult(); };
            if (!monitor.IsAvailable) await back.Task.WaitAsync(NoHang);
            Assert.True(monitor.IsAvailable);
        }
        finally
        {
            await monitor.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_ask_in_flight_when_the_database_goes_away_is_given_up_at_once_and_asks_while_it_is_away_wait_briefly()
    {
        using var system = Akka.Actor.ActorSystem.Create("monitor-asks");
        try
        {
            var silent = system.ActorOf(Akka.Actor.Props.Create(() => new Silent()), "silent");
            var monitor = new DatabaseMonitor(_ => Task.CompletedTask, new DatabaseOptions { AskTimeoutWhileUnavailable = TimeSpan.FromMilliseconds(200) });

            var inFlight = monitor.AskAsync<object>(silent, "hello", TimeSpan.FromMinutes(5), CancellationToken.None);
            Assert.False(inFlight.IsCompleted);
            monitor.Report("test: the database does not answer");
            await Assert.ThrowsAsync<DatabaseUnavailableException>(() => inFlight.WaitAsync(NoHang));

            // While it is away, the ask waits AskTimeoutWhileUnavailable, not the five minutes asked for.
            await Assert.ThrowsAsync<Akka.Actor.AskTimeoutException>(() =>
                monitor.AskAsync<object>(silent, "hello", TimeSpan.FromMinutes(5), CancellationToken.None).WaitAsync(NoHang));
        }
        finally
        {
            await system.Terminate();
        }
    }

    private sealed class Silent : Akka.Actor.ReceiveActor
    {
        public Silent() => ReceiveAny(_ => { });
    }

    [Fact]
    public void Lost_connections_shutdowns_and_open_breakers_mean_unavailable_and_refusals_do_not()
    {
        Assert.True(DatabaseFailures.IsUnavailable(new NpgsqlException("Exception while reading from stream", new IOException("reset"))));
        Assert.True(DatabaseFailures.IsUnavailable(new Akka.Pattern.OpenCircuitException("open")));
        Assert.True(DatabaseFailures.IsUnavailable(new InvalidOperationException("wrapped", new TimeoutException())));
        Assert.True(DatabaseFailures.IsUnavailable(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")));
        Assert.True(DatabaseFailures.IsUnavailable(new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03")));
        Assert.False(DatabaseFailures.IsUnavailable(new PostgresException("duplicate key", "ERROR", "ERROR", "23505")));
        Assert.False(DatabaseFailures.IsUnavailable(new InvalidOperationException("a bug")));
    }

    [PostgresFact]
    public async Task PostgreSQL_stopped_is_seen_away_and_started_again_is_seen_back_with_pooled_connections_usable_at_once()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var database = JournalDatabase.From(new PersistenceOptions { Provider = PersistenceProvider.PostgreSql, ConnectionString = postgres.ConnectionString });
        var monitor = new DatabaseMonitor(database, new DatabaseOptions { ProbeTimeout = TimeSpan.FromSeconds(5) });
        Assert.True(await monitor.ProbeAsync(CancellationToken.None));
        // A pooled connection opened before the outage is broken after it.
        await SelectOneAsync(database);

        await postgres.StopAsync();
        Assert.False(postgres.IsRunning);
        Assert.False(await monitor.ProbeAsync(CancellationToken.None).WaitAsync(NoHang));
        Assert.False(monitor.IsAvailable);

        await postgres.StartAgainAsync();
        Assert.True(await monitor.ProbeAsync(CancellationToken.None));
        Assert.True(monitor.IsAvailable);
        // The monitor cleared the pools when the database came back: the first pooled command works.
        await SelectOneAsync(database);
    }

    private static async Task SelectOneAsync(JournalDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        Assert.Equal(1, Convert.ToInt32(await command.ExecuteScalarAsync()));
    }
}
