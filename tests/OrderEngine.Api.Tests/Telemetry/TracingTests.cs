using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using OpenTelemetry;
using OpenTelemetry.Trace;
using OrderEngine.Testing;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Telemetry;

/// <summary>An engine with tracing on, its spans collected in memory.</summary>
public sealed class TracedEngineFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly WebApplicationFactory<Program> _root = new();
    private WebApplicationFactory<Program>? _factory;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Every span ended so far.</summary>
    public ConcurrentQueue<Activity> Spans { get; } = new();

    public async Task InitializeAsync()
    {
        _factory = _root.WithWebHostBuilder(b =>
        {
            OrderEngine.Api.Tests.Security.TestCredentials.Configure(b);
            b.UseSetting("OrderEngine:Persistence:SqlitePath", _directory.File("oe.db"));
            b.UseSetting("OrderEngine:Cluster:Port", "0");
            b.UseSetting("OrderEngine:Telemetry:Tracing", "true");
            b.ConfigureTestServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(new SimpleActivityExportProcessor(new QueueExporter(Spans)))));
        });
        Client = OrderEngine.Api.Tests.Security.TestCredentials.Send(_factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }));
        await EngineFixture.WaitUntilReadyAsync(Client);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        await _root.DisposeAsync();
        _directory.Dispose();
    }

    private sealed class QueueExporter(ConcurrentQueue<Activity> spans) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var span in batch) spans.Enqueue(span);
            return ExportResult.Success;
        }
    }
}

/// <summary>One POST /api/orders is one trace: the HTTP span, the order entity's span under it, and the journal batch linked to the entity.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class TracingTests(TracedEngineFixture engine) : IClassFixture<TracedEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task Placing_an_order_yields_an_http_span_an_order_entity_span_under_it_and_a_journal_span_linked_to_it()
    {
        var sku = Sku("traced");
        await _client.SetStock(sku, 5);
        var (orderId, _) = await _client.PlaceReservedOrder(Line(sku, 1, 5m));

        var (http, entity) = await Eventually(() => Task.FromResult(Find(orderId)), f => f.Http is not null && f.Entity is not null,
            TimeSpan.FromSeconds(10), "the HTTP and entity spans");
        Assert.Equal(http!.TraceId, entity!.TraceId);
        Assert.Equal(http.SpanId, entity.ParentSpanId);
        Assert.Equal("order PlaceOrder", entity.DisplayName);
        Assert.Equal(orderId, entity.GetTagItem("orderengine.order.id"));

        var journal = await Eventually(
            () => Task.FromResult(engine.Spans.FirstOrDefault(s => s.DisplayName == "journal write" && s.Links.Any(l => l.Context.SpanId == entity.SpanId))),
            s => s is not null, TimeSpan.FromSeconds(10), "a journal span linked to the entity span");
        Assert.Equal(entity.TraceId, journal!.Links.First(l => l.Context.SpanId == entity.SpanId).Context.TraceId);
        Assert.True((int)journal.GetTagItem("orderengine.journal.rows")! >= 1);
        // The batch committed after the entity handed its write over, within the request.
        Assert.True(journal.StartTimeUtc >= entity.StartTimeUtc);
        Assert.True(journal.StartTimeUtc <= http.StartTimeUtc + http.Duration);
    }

    [Fact]
    public async Task Paying_an_order_is_traced_to_its_entity_and_the_journal_too()
    {
        var sku = Sku("traced-pay");
        await _client.SetStock(sku, 5);
        var (orderId, _) = await _client.PlaceReservedOrder(Line(sku, 1, 5m));
        using (var pay = await _client.Pay(orderId, 5m, "EUR", "psp-traced")) await ExpectStatus(pay, HttpStatusCode.OK);

        var entity = await Eventually(
            () => Task.FromResult(engine.Spans.FirstOrDefault(s => s.DisplayName == "order ConfirmPayment" && Equals(s.GetTagItem("orderengine.order.id"), orderId))),
            s => s is not null, TimeSpan.FromSeconds(10), "the payment's entity span");
        var http = engine.Spans.Single(s => s.SpanId == entity!.ParentSpanId);
        Assert.Equal(ActivityKind.Server, http.Kind);
        Assert.Equal("/api/orders/{id}/payment", http.GetTagItem("http.route"));
        await Eventually(
            () => Task.FromResult(engine.Spans.Any(s => s.DisplayName == "journal write" && s.Links.Any(l => l.Context.SpanId == entity!.SpanId))),
            found => found, TimeSpan.FromSeconds(10), "a journal span linked to the payment's entity span");
    }

    private (Activity? Http, Activity? Entity) Find(string orderId)
    {
        var entity = engine.Spans.FirstOrDefault(s => s.DisplayName == "order PlaceOrder" && Equals(s.GetTagItem("orderengine.order.id"), orderId));
        if (entity is null) return (null, null);
        var http = engine.Spans.FirstOrDefault(s => s.SpanId == entity.ParentSpanId && s.Kind == ActivityKind.Server);
        return (http, entity);
    }
}
