namespace OrderEngine.Engine.Telemetry;

/// <summary>Metrics, traces and logs, bound from "OrderEngine:Telemetry" (docs/operations.md).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "OrderEngine:Telemetry";

    /// <summary>The service name on every signal (the OpenTelemetry resource's service.name).</summary>
    public string ServiceName { get; set; } = "orderengine";

    /// <summary>OpenTelemetry metrics (OrderEngine's own meter, ASP.NET Core, Kestrel and the .NET runtime).</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>The Prometheus scrape endpoint (needs <see cref="Metrics"/>).</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>Where Prometheus scrapes.</summary>
    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>
    /// Traces (HTTP, order entity, journal batch). Off unless asked for or <see cref="OtlpEndpoint"/> is set: a span nobody
    /// receives is pure cost.
    /// </summary>
    public bool Tracing { get; set; }

    /// <summary>Share of new traces recorded (1 = every request); a request that arrives with a sampled traceparent is always recorded.</summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>An OTLP collector (http://collector:4317 for gRPC, or :4318 with <see cref="OtlpProtocol"/> HttpProtobuf): traces, and metrics too, are sent there.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Grpc (default) or HttpProtobuf.</summary>
    public string OtlpProtocol { get; set; } = "Grpc";

    /// <summary>How often sharding's statistics (shards and entities per region) and the projections' lag are read for the gauges.</summary>
    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The JSON console log formatter instead of the plain one (one JSON object per line, with scopes such as the order id).</summary>
    public bool JsonLogs { get; set; }

    /// <summary>True when spans are collected.</summary>
    public bool TracingOn => Tracing || !string.IsNullOrWhiteSpace(OtlpEndpoint);
}
