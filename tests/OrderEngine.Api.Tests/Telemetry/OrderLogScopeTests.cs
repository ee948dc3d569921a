using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderEngine.Testing;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Telemetry;

/// <summary>Log lines written while an order request is handled carry the order's id as a structured scope property.</summary>
public sealed class OrderLogScopeTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly WebApplicationFactory<Program> _root = new();
    private readonly ScopeCapture _logs = new();
    private WebApplicationFactory<Program>? _factory;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory = _root.WithWebHostBuilder(b =>
        {
            OrderEngine.Api.Tests.Security.TestCredentials.Configure(b);
            b.UseSetting("OrderEngine:Persistence:SqlitePath", _directory.File("oe.db"));
            b.UseSetting("OrderEngine:Cluster:Port", "0");
            // The endpoint middleware's "Executing endpoint" line is written inside the request's scope.
            b.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.Routing", "Information");
            b.ConfigureTestServices(s => s.AddSingleton<ILoggerProvider>(_logs));
        });
        _client = OrderEngine.Api.Tests.Security.TestCredentials.Send(_factory.CreateClient());
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
    public async Task A_request_for_an_order_logs_with_its_id_and_other_requests_do_not()
    {
        var sku = "scope-" + Guid.NewGuid().ToString("N")[..8];
        await _client.SetStock(sku, 5);
        var (orderId, _) = await _client.PlaceReservedOrder(Line(sku, 1, 5m));
        _logs.Clear();

        (await _client.GetAsync($"/api/orders/{orderId}")).EnsureSuccessStatusCode();
        (await _client.GetAsync($"/api/stock/{sku}")).EnsureSuccessStatusCode();

        var withOrder = _logs.Lines.Where(l => l.OrderId == orderId).ToList();
        Assert.Contains(withOrder, l => l.Message.Contains("Executing endpoint", StringComparison.Ordinal));
        var stockLines = _logs.Lines.Where(l => l.Message.Contains("Executing endpoint", StringComparison.Ordinal) && l.Message.Contains("stock", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.NotEmpty(stockLines);
        Assert.All(stockLines, l => Assert.Null(l.OrderId));
    }

    private sealed record Line(string Category, string Message, string? OrderId);

    /// <summary>A logger provider that keeps every line with the OrderId of the scopes it was written in.</summary>
    private sealed class ScopeCapture : ILoggerProvider, ISupportExternalScope
    {
        private readonly ConcurrentQueue<Line> _lines = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public IReadOnlyList<Line> Lines => [.. _lines];

        public void Clear() => _lines.Clear();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                string? orderId = null;
                owner._scopes.ForEachScope((scope, _) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> properties)
                        foreach (var (key, value) in properties)
                            if (key == "OrderId") orderId = value?.ToString();
                }, (object?)null);
                owner._lines.Enqueue(new Line(category, formatter(state, exception), orderId));
            }
        }
    }
}
