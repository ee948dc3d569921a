using System.Diagnostics;
using System.Text.Json;

namespace OrderEngine.Api.Tests.OpenApi;

/// <summary>
/// Spectral (the npm package @stoplight/spectral-cli), the OpenAPI linter the contract is checked with. Found as
/// $SPECTRAL, or `spectral` on PATH (.ci/run installs it). Without it the lint test is skipped, with the reason, except
/// under CI=true, where it runs and fails.
/// </summary>
public static class Spectral
{
    public static bool MustRun => Environment.GetEnvironmentVariable("CI") == "true";

    public const string Missing = "spectral (npm install -g @stoplight/spectral-cli@6.15.0) is not installed: neither $SPECTRAL nor `spectral` on PATH";

    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("SPECTRAL") is { Length: > 0 } configured && File.Exists(configured)) return configured;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "spectral");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>One finding: its rule, severity (0 error, 1 warning, 2 info, 3 hint), message and where.</summary>
    public sealed record Finding(string Code, int Severity, string Message, string Path)
    {
        public override string ToString() => $"{(Severity switch { 0 => "error", 1 => "warning", 2 => "info", _ => "hint" })} {Code} at {Path}: {Message}";
    }

    /// <summary>Lints a document with the spectral:oas ruleset and returns every finding.</summary>
    public static async Task<IReadOnlyList<Finding>> LintAsync(string spectral, string documentPath, TimeSpan timeout)
    {
        var dir = Path.GetDirectoryName(documentPath)!;
        var ruleset = Path.Combine(dir, ".spectral.yaml");
        await File.WriteAllTextAsync(ruleset, "extends: [\"spectral:oas\"]\n");
        var output = Path.Combine(dir, "spectral.json");
        var start = new ProcessStartInfo(spectral)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir,
        };
        foreach (var a in new[] { "lint", "--ruleset", ruleset, "--format", "json", "--output", output, "--fail-severity", "error", "--quiet", documentPath })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"spectral did not finish within {timeout.TotalSeconds} s");
        }
        if (!File.Exists(output))
            throw new InvalidOperationException($"spectral exited {process.ExitCode} without results: {await stdout} {await stderr}");
        var text = await File.ReadAllTextAsync(output);
        if (string.IsNullOrWhiteSpace(text)) return [];
        using var json = JsonDocument.Parse(text);
        return json.RootElement.EnumerateArray().Select(f => new Finding(
            f.GetProperty("code").ToString(),
            f.GetProperty("severity").GetInt32(),
            f.GetProperty("message").GetString() ?? "",
            string.Join('.', f.GetProperty("path").EnumerateArray().Select(p => p.ToString())))).ToList();
    }
}

/// <summary>A fact that needs spectral: skipped with the reason when it is missing, except under CI=true (then it fails).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SpectralFactAttribute : FactAttribute
{
    public SpectralFactAttribute()
    {
        if (!Spectral.MustRun && Spectral.Find() is null) Skip = Spectral.Missing;
    }
}
