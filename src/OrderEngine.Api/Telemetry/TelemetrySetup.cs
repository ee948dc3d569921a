using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OrderEngine.Engine.Telemetry;

namespace OrderEngine.Api.Telemetry;

/// <summary>
/// OpenTelemetry for the node (docs/operations.md): metrics from OrderEngine's meter, ASP.NET Core, Kestrel and the .NET
/// runtime, scraped by Prometheus at /metrics and/or pushed over OTLP; traces (HTTP → order entity → journal batch) when
/// asked for; the JSON console log formatter when asked for. Configured under "OrderEngine:Telemetry".
/// </summary>
public static class TelemetrySetup
{
    public static IServiceCollection AddOrderEngineTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(TelemetryOptions.Section);
        services.AddOptions<TelemetryOptions>().Bind(section);
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();

        if (options.JsonLogs)
        {
            services.AddLogging(logging => logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            }));
        }
        services.AddSingleton<IStartupFilter, OrderLogScopeStartupFilter>();
        if (options.TracingOn)
        {
            // Every log line written inside a span carries its trace and span ids (a scope the JSON formatter prints).
            services.Configure<LoggerFactoryOptions>(o =>
                o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        }
        if (!options.Metrics && !options.TracingOn) return services;

        var otel = services.AddOpenTelemetry().ConfigureResource(r => r
            .AddService(options.ServiceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"));
        if (options.Metrics)
        {
            services.AddHostedService<ClusterStatsCollector>();
            otel.WithMetrics(metrics =>
            {
                metrics.AddMeter(OrderEngineTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation();
                if (options.Prometheus) metrics.AddPrometheusExporter();
                if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint)) metrics.AddOtlpExporter(o => Otlp(o, options));
            });
        }
        if (options.TracingOn)
        {
            otel.WithTracing(tracing =>
            {
                tracing.AddSource(OrderEngineTelemetry.Name)
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(Math.Clamp(options.TraceSampleRatio, 0, 1))))
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsPlumbing(http.Request.Path, options));
                if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint)) tracing.AddOtlpExporter(o => Otlp(o, options));
            });
        }
        return services;
    }

    /// <summary>The Prometheus scrape endpoint, when metrics and Prometheus are on.</summary>
    public static WebApplication MapOrderEngineTelemetry(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (options.Metrics && options.Prometheus) app.MapPrometheusScrapingEndpoint(options.PrometheusPath).AllowAnonymous();
        return app;
    }

    // Scrapes and probes are not traced: they would outnumber the requests worth reading.
    private static bool IsPlumbing(PathString path, TelemetryOptions options) =>
        path.StartsWithSegments(options.PrometheusPath) || path.StartsWithSegments("/health");

    private static void Otlp(OtlpExporterOptions o, TelemetryOptions options)
    {
        o.Endpoint = new Uri(options.OtlpEndpoint!);
        o.Protocol = string.Equals(options.OtlpProtocol, "HttpProtobuf", StringComparison.OrdinalIgnoreCase)
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;
    }
}
