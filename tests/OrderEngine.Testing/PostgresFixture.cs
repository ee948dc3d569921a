using Xunit;

namespace OrderEngine.Testing;

/// <summary>xunit class/collection fixture that runs one throwaway <see cref="PostgresServer"/> shared by the tests using it.</summary>
/// <remarks>
/// When the PostgreSQL binaries are missing and <see cref="PostgresAvailability.MustRun"/> is false, no server is started and
/// <see cref="Server"/> throws with the skip reason (tests are expected to be skipped via <see cref="PostgresAvailability.SkipReason"/>).
/// When MustRun is true, initialization fails instead.
/// </remarks>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private string? _unavailable;

    /// <summary>The running server; throws <see cref="InvalidOperationException"/> if it could not be started.</summary>
    public PostgresServer Server =>
        _server ?? throw new InvalidOperationException(_unavailable ?? "PostgresFixture is not initialized (or already disposed).");

    /// <summary>Starts the server (called by xunit before the first test of the class/collection).</summary>
    public async Task InitializeAsync()
    {
        var reason = PostgresAvailability.SkipReason();
        if (reason is not null)
        {
            if (PostgresAvailability.MustRun)
            {
                throw new InvalidOperationException($"{reason} CI=true, so PostgreSQL tests must run, not skip.");
            }

            _unavailable = reason;
            return;
        }

        _server = await PostgresServer.StartAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the server and deletes its files (called by xunit after the last test).</summary>
    public async Task DisposeAsync()
    {
        var server = Interlocked.Exchange(ref _server, null);
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>Tells tests whether PostgreSQL server binaries are installed, so PostgreSQL tests can skip locally but never on CI.</summary>
public static class PostgresAvailability
{
    /// <summary>
    /// True when the <c>CI</c> environment variable is <c>true</c>: then PostgreSQL tests must not skip — callers should
    /// fail (not skip) when MustRun is true and <see cref="SkipReason"/> returns a reason (binaries missing).
    /// </summary>
    public static bool MustRun => Environment.GetEnvironmentVariable("CI") == "true";

    /// <summary>Null when PostgreSQL 15+ server binaries (initdb, pg_ctl) exist under /usr/lib/postgresql/*/bin, otherwise why not.</summary>
    public static string? SkipReason() =>
        PostgresServer.FindBinDirectory() is null
            ? $"{PostgresServer.BinariesMissingMessage}; PostgreSQL 15 or newer with initdb and pg_ctl is needed."
            : null;
}
