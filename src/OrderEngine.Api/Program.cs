using OrderEngine.Api.Cases;
using OrderEngine.Api.Channels;
using OrderEngine.Api.Dashboard;
using OrderEngine.Api.Customers;
using OrderEngine.Api.Bootstrap;
using OrderEngine.Api.Dispatch;
using OrderEngine.Api.Health;
using OrderEngine.Api.Http;
using OrderEngine.Api.Orders;
using OrderEngine.Api.Payments;
using OrderEngine.Api.Returns;
using OrderEngine.Api.Security;
using OrderEngine.Api.Shipments;
using OrderEngine.Api.Products;
using OrderEngine.Api.Projections;
using OrderEngine.Api.Reports;
using OrderEngine.Api.Shipping;
using OrderEngine.Api.Stock;
using OrderEngine.Api.Telemetry;
using OrderEngine.Api.Webhooks;
using OrderEngine.Engine.Hosting;
using OrderEngine.Ingestion;

// A node that cannot start (its database refuses it, a setting is wrong, ...) says why and exits 1. Left to the runtime,
// the exception aborted the process (exit 134, a core dump) and the reason was easy to miss. Only a real process gets
// here: under the test host the entry point runs on a thread that hands its exception to the test.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    Console.Error.WriteLine($"OrderEngine node stopped: it could not start or run: {e.ExceptionObject}");
    Console.Error.Flush();
    Environment.Exit(1);
};

// `keys create|list|revoke`: the operators' API key verb (docs/security.md); it runs against the configured database and exits.
if (OrderEngine.Api.Security.ApiKeysCli.IsCommand(args)) return await OrderEngine.Api.Security.ApiKeysCli.RunAsync(args);
// `personal-data reseal|rewrap`: one-off personal data maintenance by operators (docs/security.md, Personal data).
if (OrderEngine.Api.Customers.PersonalDataCli.IsCommand(args)) return await OrderEngine.Api.Customers.PersonalDataCli.RunAsync(args);

// appsettings.json ships next to the binary; the working directory is only where ./data goes. Configuration is read
// once: reloading on change watches the content root, and with the data folder inside it (a container's /app/data)
// every journal write woke the watcher (about 5% of the CPU in a flash sale).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = ["--hostBuilder:reloadConfigOnChange=false", .. args],
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Services.AddOrderEngine(builder.Configuration);
builder.Services.AddOrderEngineIngestion(builder.Configuration);
builder.Services.AddOrderEngineHttp(builder.Configuration);
builder.Services.AddOrderEngineHealth();
builder.Services.AddOrderEngineOpenApi();
builder.Services.AddOrderEngineLeaving();
builder.Services.AddOrderEngineBootstrap();
builder.Services.AddSingleton<OrderEngine.Api.Http.EntityGateway>();
builder.Services.AddSingleton<OrderEngine.Engine.Orders.OrderTimelineQuery>();
builder.Services.AddSingleton<OrderEngine.Api.Channels.QuarantineRetry>();
builder.Services.AddOrderEngineTelemetry(builder.Configuration);
builder.Services.AddOrderEngineAuthentication(builder.Configuration);
builder.Services.AddOrderEngineAuthorization(builder.Configuration);
builder.AddDashboard();

// Taken as soon as the host is built: the host is disposed by the time an exception leaves it, and its services with it.
var stopping = CancellationToken.None;
try
{
    var app = builder.Build();
    stopping = app.Lifetime.ApplicationStopping;
    app.UseOrderEngineHttp();
    app.UseOrderEngineLeaving();
    app.MapOrdersApi();
    app.MapOrderSearchApi();
    app.MapReportsApi();
    app.MapStockApi();
    app.MapStockAlertsApi();
    app.MapProductsApi();
    app.MapShippingApi();
    app.MapPaymentsApi();
    app.MapShipmentsApi();
    app.MapCarriersApi();
    app.MapReturnsApi();
    app.MapZonesApi();
    app.MapCouriersApi();
    app.MapChannelsApi();
    app.MapCasesApi();
    app.MapWebhooksApi();
    app.MapProjectionsApi();
    app.MapRestaurantsApi();
    app.MapCustomersApi();
    app.MapHealthApi();
    app.MapOrderEngineTelemetry();
    app.MapClusterBootstrapApi();
    app.MapApiKeysApi();
    app.MapOpenApi().AllowAnonymous();
    app.MapOrderEngineApiReference();
    app.MapDashboard();
    app.Run();
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // SIGTERM (or Ctrl+C) came while the node was still starting, Kestrel binding say: the start was cancelled and what
    // had started was stopped. A stop that was asked for is not a crash, so the node exits 0 like any other stop.
}
return 0;

/// <summary>The node's entry point (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;
