using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.PersonalData;

/// <summary>What a node says at start about customer keys its configured master keys do not open, or open only with a previous one.</summary>
public sealed class MasterKeyCheckTests : IAsyncLifetime
{
    private static readonly string MasterA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string MasterB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly TempDirectory _dir = new();
    private JournalDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File("keys.db") });
        _database.Prepare();
        await using var underA = Store(new PersonalDataOptions { PersonalDataMasterKey = MasterA });
        await underA.EnsureAsync("c-1");
        await underA.EnsureAsync("c-2");
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private CustomerKeyStore Store(PersonalDataOptions options) => new(_database, options, TimeProvider.System);

    private async Task<LogLine> FirstWarningOrErrorAtStartAsync(PersonalDataOptions options)
    {
        await using var keys = Store(options);
        var log = new CapturingLogger();
        using var recheck = new PersonalDataRecheck(keys, Options.Create(options), log);
        await recheck.StartAsync(CancellationToken.None);
        var line = await log.FirstWarningOrError.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await recheck.StopAsync(CancellationToken.None);
        Assert.All(log.Lines, l => Assert.DoesNotContain(MasterA, l.Message));
        Assert.All(log.Lines, l => Assert.DoesNotContain(MasterB, l.Message));
        return line;
    }

    [Fact]
    public async Task A_node_given_a_new_master_key_without_the_old_one_says_which_settings_to_fix_and_keeps_running()
    {
        var line = await FirstWarningOrErrorAtStartAsync(new PersonalDataOptions { PersonalDataMasterKey = MasterB });
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Contains("PersonalDataPreviousMasterKeys", line.Message);
        Assert.Contains("(2 of those checked at start)", line.Message);
    }

    [Fact]
    public async Task A_node_with_the_old_master_key_as_previous_says_a_rewrap_is_due()
    {
        var line = await FirstWarningOrErrorAtStartAsync(new PersonalDataOptions { PersonalDataMasterKey = MasterB, PersonalDataPreviousMasterKeys = [MasterA] });
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("personal-data rewrap", line.Message);
    }

    [Fact]
    public async Task A_previous_key_opens_what_the_current_one_does_not_and_a_malformed_one_is_named_not_shown()
    {
        byte[] key;
        await using (var underA = Store(new PersonalDataOptions { PersonalDataMasterKey = MasterA })) key = underA.KeyForRead("c-1")!;
        await using (var rotated = Store(new PersonalDataOptions { PersonalDataMasterKey = MasterB, PersonalDataPreviousMasterKeys = ["", MasterA] }))
            Assert.Equal(key, rotated.KeyForRead("c-1"));
        await using (var withoutOld = Store(new PersonalDataOptions { PersonalDataMasterKey = MasterB }))
            Assert.Throws<PersonalDataKeyUnreadableException>(() => withoutOld.KeyForRead("c-1"));

        var bad = Assert.Throws<InvalidOperationException>(() =>
            Store(new PersonalDataOptions { PersonalDataMasterKey = MasterB, PersonalDataPreviousMasterKeys = [MasterA, "bm90IGEga2V5"] }));
        Assert.Contains("PersonalDataPreviousMasterKeys:1", bad.Message);
        Assert.DoesNotContain("bm90IGEga2V5", bad.Message);
    }

    private sealed record LogLine(LogLevel Level, string Message);

    private sealed class CapturingLogger : ILogger<PersonalDataRecheck>
    {
        public ConcurrentQueue<LogLine> Lines { get; } = new();
        public TaskCompletionSource<LogLine> FirstWarningOrError { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = new LogLine(logLevel, formatter(state, exception));
            Lines.Enqueue(line);
            if (logLevel >= LogLevel.Warning) FirstWarningOrError.TrySetResult(line);
        }
    }
}
