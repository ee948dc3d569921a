using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Npgsql;

namespace OrderEngine.Testing;

/// <summary>A throwaway PostgreSQL server (own temp data directory, free port, trust auth) so integration tests never share or leave behind a database.</summary>
/// <remarks>
/// Uses the newest PostgreSQL 15+ under <c>/usr/lib/postgresql/*/bin</c>. PostgreSQL refuses to run as root, so when the
/// current process is root the temp directory is handed to the <c>postgres</c> user and initdb/pg_ctl run through
/// <c>su postgres</c> (as <c>shared/bench/pg-baseline.sh</c> does). Durable settings: <c>fsync=on</c>, <c>synchronous_commit=on</c>.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    internal const string BinariesMissingMessage =
        "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)";

    private const string InstallRoot = "/usr/lib/postgresql";
    private const int MinimumMajorVersion = 15;
    private const int StartAttempts = 3;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _bin;
    private readonly string _root;
    private readonly bool _runAsPostgresUser;
    private readonly ConcurrentQueue<string> _handedOut = new();
    private int _disposed;

    private PostgresServer(string bin, string root, bool runAsPostgresUser)
    {
        _bin = bin;
        _root = root;
        _runAsPostgresUser = runAsPostgresUser;
        DataDirectory = Path.Combine(root, "data");
    }

    /// <summary>Connection string to the database created at start (unique name, pool of at most 50, no reset on close).</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>TCP port the server listens on (127.0.0.1 only).</summary>
    public int Port { get; private set; }

    /// <summary>The server's data directory (inside a temp directory that also holds the unix socket and <c>pg.log</c>).</summary>
    public string DataDirectory { get; }

    private string LogFile => Path.Combine(_root, "pg.log");

    /// <summary>
    /// initdb's a fresh cluster in a new temp directory, starts it on a free 127.0.0.1 port and creates a uniquely named database.
    /// Throws <see cref="InvalidOperationException"/> when the binaries are missing or a step fails (with the commands' output
    /// and the tail of pg.log in the message), <see cref="TimeoutException"/> when a command takes longer than 60 s.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken ct = default)
    {
        var bin = FindBinDirectory()
            ?? throw new InvalidOperationException(
                $"{BinariesMissingMessage}; PostgreSQL {MinimumMajorVersion} or newer with initdb and pg_ctl is needed.");
        var root = Directory.CreateTempSubdirectory("orderengine-pg-").FullName;
        var server = new PostgresServer(bin, root, IsRoot());
        try
        {
            await server.InitializeAsync(ct).ConfigureAwait(false);
            return server;
        }
        catch
        {
            try
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The start failure is the interesting one; cleanup is best effort here.
            }

            throw;
        }
    }

    /// <summary>Creates an empty database named <paramref name="name"/> and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (Encoding.UTF8.GetByteCount(name) > 63)
        {
            throw new ArgumentException("PostgreSQL database names are at most 63 bytes.", nameof(name));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = "postgres",
            Pooling = false,
        }.ConnectionString;
        try
        {
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"create database \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            throw new InvalidOperationException(
                $"Could not connect to the test PostgreSQL server on port {Port} to create database '{name}': {ex.Message}{LogTail()}", ex);
        }

        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = name,
            NoResetOnClose = true,
            MaxPoolSize = 50,
        }.ConnectionString;
        _handedOut.Enqueue(connectionString);
        return connectionString;
    }

    /// <summary>True while the server runs (false between <see cref="StopAsync"/> and <see cref="StartAgainAsync"/>).</summary>
    public bool IsRunning { get; private set; } = true;

    /// <summary>
    /// Stops the server as an outage would (<c>pg_ctl -m fast stop</c>: open connections are cut, nothing committed is lost);
    /// the data directory stays, and <see cref="StartAgainAsync"/> brings the same server back on the same port.
    /// </summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        EnsureSuccess("pg_ctl stop", await RunAsPostgresAsync(
            $"{Quote(Path.Combine(_bin, "pg_ctl"))} -D {Quote(DataDirectory)} -m fast -w stop",
            ct).ConfigureAwait(false));
        IsRunning = false;
    }

    /// <summary>Starts the stopped server again on the same port and data directory (waits until it accepts connections).</summary>
    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        EnsureSuccess("pg_ctl start", await RunAsPostgresAsync(
            $"{Quote(Path.Combine(_bin, "pg_ctl"))} -D {Quote(DataDirectory)} -l {Quote(LogFile)} -w start",
            ct).ConfigureAwait(false));
        IsRunning = true;
    }

    /// <summary>
    /// Stops the server (<c>pg_ctl -m immediate stop</c>), clears the Npgsql pools of the connection strings handed out,
    /// and deletes the temp directory. Throws only if something was left behind.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var problems = new List<string>();
        ClearPools();
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            var stop = await RunAsPostgresAsync(
                $"{Quote(Path.Combine(_bin, "pg_ctl"))} -D {Quote(DataDirectory)} -m immediate -w stop",
                CancellationToken.None).ConfigureAwait(false);
            if (stop.ExitCode != 0 && KillPostmaster() is { } leftOver)
            {
                problems.Add(Describe("pg_ctl stop", stop) + Environment.NewLine + leftOver);
            }
        }

        ClearPools();
        if (DeleteRoot() is { } deleteProblem)
        {
            problems.Add(deleteProblem);
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                "Test PostgreSQL server was not cleaned up completely:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        }
    }

    /// <summary>Newest <c>/usr/lib/postgresql/N/bin</c> (N ≥ 15) holding initdb and pg_ctl, or null.</summary>
    internal static string? FindBinDirectory()
    {
        if (!Directory.Exists(InstallRoot))
        {
            return null;
        }

        return Directory.EnumerateDirectories(InstallRoot)
            .Select(dir => (Bin: Path.Combine(dir, "bin"), Version: ParseVersion(Path.GetFileName(dir))))
            .Where(x => x.Version is { Major: >= MinimumMajorVersion })
            .Where(x => File.Exists(Path.Combine(x.Bin, "initdb")) && File.Exists(Path.Combine(x.Bin, "pg_ctl")))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Bin)
            .FirstOrDefault();
    }

    private static Version? ParseVersion(string name) =>
        Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out var version) ? version : null;

    private async Task InitializeAsync(CancellationToken ct)
    {
        if (_runAsPostgresUser)
        {
            EnsureSuccess("chown", await RunAsync("chown", ["-R", "postgres", _root], ct).ConfigureAwait(false));
        }

        EnsureSuccess("initdb", await RunAsPostgresAsync(
            $"{Quote(Path.Combine(_bin, "initdb"))} -D {Quote(DataDirectory)} -U postgres --auth=trust -E UTF8 --locale=C.UTF-8",
            ct).ConfigureAwait(false));

        var conf = Path.Combine(DataDirectory, "postgresql.conf");
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            // Later lines win in postgresql.conf, so a retry only needs to append a new port.
            await File.AppendAllTextAsync(conf, attempt == 1
                ? $"""

                   listen_addresses='127.0.0.1'
                   port={Port}
                   unix_socket_directories='{_root.Replace("'", "''", StringComparison.Ordinal)}'
                   max_connections=200
                   fsync=on
                   synchronous_commit=on

                   """
                : $"port={Port}\n", ct).ConfigureAwait(false);

            var start = await RunAsPostgresAsync(
                $"{Quote(Path.Combine(_bin, "pg_ctl"))} -D {Quote(DataDirectory)} -l {Quote(LogFile)} -w start",
                ct).ConfigureAwait(false);
            if (start.ExitCode != 0 && attempt < StartAttempts && PortWasTaken())
            {
                continue; // another process grabbed the free port between FreePort.Next() and the bind
            }

            EnsureSuccess("pg_ctl start", start);
            break;
        }

        ConnectionString = await CreateDatabaseAsync("test_" + Guid.NewGuid().ToString("N"), ct).ConfigureAwait(false);
    }

    private bool PortWasTaken()
    {
        try
        {
            var log = File.ReadAllText(LogFile);
            return log.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
                || log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void ClearPools()
    {
        foreach (var connectionString in _handedOut)
        {
            using var connection = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(connection);
        }
    }

    /// <summary>After a failed pg_ctl stop: kills a still running postmaster (and its backends); returns a problem or null.</summary>
    private string? KillPostmaster()
    {
        try
        {
            var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
            if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
            {
                return null;
            }

            var cmdline = $"/proc/{pid}/cmdline";
            if (!File.Exists(cmdline) || !File.ReadAllText(cmdline).Contains(DataDirectory, StringComparison.Ordinal))
            {
                return null; // stale pid file, nothing running
            }

            using var postmaster = Process.GetProcessById(pid);
            postmaster.Kill(entireProcessTree: true);
            return postmaster.WaitForExit(TimeSpan.FromSeconds(10)) ? null : $"postmaster {pid} is still running after kill";
        }
        catch (ArgumentException)
        {
            return null; // exited meanwhile
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"could not kill the postmaster: {ex.Message}";
        }
    }

    private string? DeleteRoot()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(_root))
                {
                    Directory.Delete(_root, recursive: true);
                }

                return null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (attempt == 5)
                {
                    return $"could not delete {_root}: {ex.Message}";
                }

                Thread.Sleep(200);
            }
        }
    }

    private Task<CommandResult> RunAsPostgresAsync(string shellCommand, CancellationToken ct) =>
        _runAsPostgresUser
            ? RunAsync("su", ["postgres", "-s", "/bin/bash", "-c", shellCommand], ct)
            : RunAsync("/bin/bash", ["-c", shellCommand], ct);

    private async Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var display = file + " " + string.Join(' ', arguments.Select(Quote));
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // A directory the postgres user can enter (root's cwd often is not).
            WorkingDirectory = _root,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new CommandResult(display, -1, false, "", $"could not start {file}: {ex.Message}");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CommandTimeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (!process.HasExited)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // exited meanwhile
                }

                ct.ThrowIfCancellationRequested();
                timedOut = true;
            }

            // else: it exited but something inherited its stdout/stderr; its exit code is what counts.
        }

        return new CommandResult(display, process.HasExited && !timedOut ? process.ExitCode : -1, timedOut, Read(stdout), Read(stderr));
    }

    private static void Append(StringBuilder sink, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sink)
        {
            sink.AppendLine(line);
        }
    }

    private static string Read(StringBuilder sink)
    {
        lock (sink)
        {
            return sink.ToString();
        }
    }

    private void EnsureSuccess(string step, CommandResult result)
    {
        if (result.TimedOut)
        {
            throw new TimeoutException(Describe(step, result));
        }

        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(Describe(step, result));
        }
    }

    private string Describe(string step, CommandResult result)
    {
        var outcome = result.TimedOut ? $"timed out after {CommandTimeout.TotalSeconds:0} s" : $"failed with exit code {result.ExitCode}";
        var hint = _runAsPostgresUser && result.Stderr.Contains("Permission denied", StringComparison.Ordinal)
            ? $"{Environment.NewLine}(running as root: the postgres user must be able to reach {_root}; is TMPDIR under a private directory?)"
            : "";
        return $"""
                Test PostgreSQL: {step} {outcome}.
                command: {result.Command}
                --- stdout ---
                {result.Stdout.TrimEnd()}
                --- stderr ---
                {result.Stderr.TrimEnd()}
                """ + hint + LogTail();
    }

    private string LogTail(int lines = 40)
    {
        try
        {
            if (!File.Exists(LogFile))
            {
                return $"{Environment.NewLine}--- {LogFile}: not written ---";
            }

            var tail = File.ReadLines(LogFile).TakeLast(lines);
            return $"{Environment.NewLine}--- tail of {LogFile} ---{Environment.NewLine}{string.Join(Environment.NewLine, tail)}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{Environment.NewLine}--- {LogFile}: unreadable ({ex.Message}) ---";
        }
    }

    private static bool IsRoot()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    // Uid: real effective saved fs
                    var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 2 && fields[2] == "0";
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // not Linux /proc; fall back below
        }

        return Environment.UserName == "root";
    }

    /// <summary>Shell-quotes <paramref name="value"/> unless it is made of characters that need no quoting.</summary>
    private static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "_./=:,+-@%".Contains(c, StringComparison.Ordinal))
            ? value
            : "'" + value.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";

    private sealed record CommandResult(string Command, int ExitCode, bool TimedOut, string Stdout, string Stderr);
}
