using System.Globalization;
using System.Net;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Telemetry;

/// <summary>The telemetry tests run alone: OrderEngine's counters are process-wide, and other classes' orders would move them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}

/// <summary>Reads the Prometheus text exposition of /metrics.</summary>
public static class Scrape
{
    public static async Task<string> MetricsText(this HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        await ExpectStatus(response, HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The sum of every sample of a metric whose labels include all of <paramref name="labels"/> (0 when absent).</summary>
    public static double Sum(string text, string metric, params (string Name, string Value)[] labels)
    {
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !IsSampleOf(line, metric)) continue;
            var labelPart = line.Length > metric.Length && line[metric.Length] == '{' ? line[(metric.Length + 1)..line.IndexOf('}')] : "";
            if (!labels.All(l => labelPart.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal))) continue;
            var value = line[(line.LastIndexOf('}') is var close and >= 0 ? close + 1 : metric.Length)..].Trim().Split(' ')[0];
            sum += double.Parse(value, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    /// <summary>True when the text has at least one sample of the metric with those labels.</summary>
    public static bool Has(string text, string metric, params (string Name, string Value)[] labels) =>
        text.Split('\n').Any(line => !line.StartsWith('#') && IsSampleOf(line, metric)
            && labels.All(l => line.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)));

    private static bool IsSampleOf(string line, string metric) =>
        line.StartsWith(metric, StringComparison.Ordinal) && line.Length > metric.Length && line[metric.Length] is '{' or ' ';
}
