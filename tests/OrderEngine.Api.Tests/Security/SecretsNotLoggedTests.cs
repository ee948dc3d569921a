using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderEngine.Api.Security;
using OrderEngine.Engine.Hosting;
using OrderEngine.Testing;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Security;

/// <summary>
/// Every log line of a node with security on, at every level, while keys and tokens good and bad are used: none holds
/// a key, a token or the signing key. And what the node says at start about its first key.
/// </summary>
public sealed class SecretsNotLoggedTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly WebApplicationFactory<Program> _root = new();
    private readonly LogCapture _logs = new();
    private WebApplicationFactory<Program>? _factory;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory = _root.WithWebHostBuilder(b =>
        {
            b.UseSetting("OrderEngine:Persistence:SqlitePath", _directory.File("oe.db"));
            b.UseSetting("OrderEngine:Cluster:Port", "0");
            foreach (var (key, value) in SecuredEngineFixture.Secured) b.UseSetting(key, value);
            b.UseSetting("Logging:LogLevel:Default", "Trace");
            b.ConfigureTestServices(s => s.AddSingleton<ILoggerProvider>(_logs));
        });
        _client = _factory.CreateClient();
        await EngineFixture.WaitUntilReadyAsync(_client);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        await _root.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task No_key_token_or_signing_key_is_ever_logged()
    {
        var (_, created) = await _client.CreateKey("logged?", "reporting");
        var unknown = ApiKeyMaterial.NewKey();
        var valid = SecuredEngineFixture.Token(roles: ["admin"]);
        var expired = SecuredEngineFixture.Token(expires: DateTime.UtcNow.AddMinutes(-5));
        var forged = SecuredEngineFixture.Token(signingKey: "forged-signing-key-0123456789-abcdefghijkl");
        var sku = Sku("L");

        foreach (var key in new[] { created, unknown, SecuredEngineFixture.AdminKey })
            (await _client.SendAs(HttpMethod.Get, $"/api/stock/{sku}", apiKey: key)).Dispose();
        foreach (var token in new[] { valid, expired, forged })
            (await _client.SendAs(HttpMethod.Get, $"/api/stock/{sku}", bearer: token)).Dispose();
        using (var forbidden = await _client.SendAs(HttpMethod.Get, "/api/keys", apiKey: created))
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        var lines = _logs.Lines;
        // The capture sees the authentication lines (so the check below looks where a key would be written).
        Assert.Contains(lines, l => l.Contains("ApiKey was not authenticated", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("bootstrap admin key", StringComparison.Ordinal));
        string[] secrets =
        [
            created, unknown, SecuredEngineFixture.AdminKey, SecuredEngineFixture.SigningKey,
            valid, expired, forged,
            // A token's signature alone is as good as the token for nothing, but it is still not for the logs.
            valid.Split('.')[2], forged.Split('.')[2],
        ];
        foreach (var secret in secrets)
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_bootstrap_key_or_any_key_the_node_says_how_to_make_the_first_one()
    {
        var database = new JournalDatabase(PersistenceProvider.Sqlite,
            new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = _directory.File("empty.db") }.ConnectionString);
        database.Prepare();
        var capture = new LogCapture();
        using var factory = LoggerFactory.Create(b => b.AddProvider(capture));
        var notice = new AuthenticationNotice(Options.Create(new SecurityOptions()), new ApiKeyStore(database), factory.CreateLogger<AuthenticationNotice>());
        await notice.StartAsync(CancellationToken.None);
        await notice.ExecuteTask!;
        Assert.Contains(capture.Lines, l => l.Contains("keys create --name ops --roles admin", StringComparison.Ordinal));

        // Once a key exists, nothing is said.
        await new ApiKeyStore(database).CreateAsync("key-1", "ops", ["admin"], ApiKeyMaterial.Hash(ApiKeyMaterial.NewKey()), DateTimeOffset.UtcNow, CancellationToken.None);
        var quiet = new LogCapture();
        using var quietFactory = LoggerFactory.Create(b => b.AddProvider(quiet));
        var again = new AuthenticationNotice(Options.Create(new SecurityOptions()), new ApiKeyStore(database), quietFactory.CreateLogger<AuthenticationNotice>());
        await again.StartAsync(CancellationToken.None);
        await again.ExecuteTask!;
        Assert.DoesNotContain(quiet.Lines, l => l.Contains("keys create", StringComparison.Ordinal));
    }

    /// <summary>Every line with its state's values and its exception, as any sink could write them.</summary>
    private sealed class LogCapture : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogCapture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> properties
                    ? string.Join(" ", properties.Select(p => $"{p.Key}={p.Value}"))
                    : "";
                owner._lines.Enqueue($"{category} {formatter(state, exception)} {values} {exception}");
            }
        }
    }
}
