using System.Globalization;
using OrderEngine.Engine.Hosting;
using OrderEngine.Testing;

namespace OrderEngine.JournalBench;

/// <summary>The databases of one run: a temp SQLite folder and a throwaway PostgreSQL server, each handing out fresh databases.</summary>
internal sealed class Backends : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private PostgresServer? _postgres;

    private Backends(IReadOnlyList<string> names) => Names = names;

    public IReadOnlyList<string> Names { get; }

    public static async Task<Backends> StartAsync(IReadOnlyList<string> names)
    {
        var backends = new Backends(names);
        if (names.Contains("postgres")) backends._postgres = await PostgresServer.StartAsync();
        return backends;
    }

    /// <summary>A new, empty, prepared database (schema of deploy/sql).</summary>
    public async Task<JournalDatabase> NewDatabaseAsync(string backend, string name)
    {
        var database = backend == "sqlite"
            ? JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File(name + ".db") })
            : JournalDatabase.From(new PersistenceOptions
            {
                Provider = PersistenceProvider.PostgreSql,
                ConnectionString = await _postgres!.CreateDatabaseAsync(name),
            });
        database.Prepare();
        return database;
    }

    /// <summary>CPU seconds used so far by the PostgreSQL server (postmaster and its backends), 0 for SQLite (it runs in this process).</summary>
    public double DatabaseCpuSeconds(string backend)
    {
        if (backend != "postgres" || _postgres is null) return 0;
        var pidFile = Path.Combine(_postgres.DataDirectory, "postmaster.pid");
        if (!int.TryParse(File.ReadLines(pidFile).First(), out var postmaster)) return 0;
        var ticks = 0L;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the command name (which may hold spaces, inside parentheses): state ppid ... utime(14) stime(15).
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid != postmaster && ppid != postmaster) continue;
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // a process that ended meanwhile
            }
        }
        return ticks / 100.0;
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
        _dir.Dispose();
    }
}
