using System.Diagnostics;

namespace OrderEngine.Api.Tests;

/// <summary>
/// docker-compose.yml as Compose itself reads it: `docker compose config` (the plugin) or `docker-compose config`
/// (Debian's docker-compose package), which validate the file without a Docker daemon. .ci/run installs the latter;
/// without either the test is skipped, with the reason, except under CI=true, where it runs and fails.
/// DeployManifestTests checks what the file says against the code; this checks that Compose accepts it at all.
/// </summary>
public sealed class ComposeConfigTests
{
    [ComposeFact]
    public async Task Compose_accepts_the_file_and_reads_three_engine_nodes_and_postgres_from_it()
    {
        var (tool, prefix) = Compose.Find() ?? throw new InvalidOperationException(Compose.Missing);
        var file = Path.Combine(Compose.Root, "docker-compose.yml");

        var (code, output, errors) = await Compose.RunAsync(tool, [.. prefix, "-f", file, "config", "--services"]);

        Assert.True(code == 0, $"{tool} config rejected docker-compose.yml (exit {code}): {errors}");
        var services = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order().ToArray();
        Assert.Equal(["node1", "node2", "node3", "postgres"], services);
    }

    [ComposeFact]
    public async Task Compose_rejects_a_file_with_an_unknown_service_key_so_the_check_above_can_fail()
    {
        var (tool, prefix) = Compose.Find() ?? throw new InvalidOperationException(Compose.Missing);
        var broken = Path.Combine(Path.GetTempPath(), $"compose-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(broken, (await File.ReadAllTextAsync(Path.Combine(Compose.Root, "docker-compose.yml")))
            .Replace("    ports: [\"8081:8080\"]", "    portz: [\"8081:8080\"]", StringComparison.Ordinal));
        try
        {
            var (code, _, errors) = await Compose.RunAsync(tool, [.. prefix, "-f", broken, "config", "-q"]);

            Assert.NotEqual(0, code);
            Assert.Contains("portz", errors, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(broken);
        }
    }
}

public static class Compose
{
    public const string Missing = "neither `docker compose` nor `docker-compose` is installed (apt-get install -y docker-compose)";

    public static bool MustRun => Environment.GetEnvironmentVariable("CI") == "true";

    public static string Root { get; } = FindRoot();

    /// <summary>The compose command: the docker plugin when it answers, else docker-compose; null when neither is there.</summary>
    public static (string Tool, string[] Prefix)? Find()
    {
        if (OnPath("docker") is { } docker && Answers(docker, ["compose", "version"])) return (docker, ["compose"]);
        if (OnPath("docker-compose") is { } compose && Answers(compose, ["version"])) return (compose, []);
        return null;
    }

    public static async Task<(int Code, string Output, string Errors)> RunAsync(string tool, string[] args)
    {
        var start = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {tool}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await errors);
    }

    private static bool Answers(string tool, string[] args)
    {
        try
        {
            return RunAsync(tool, args).GetAwaiter().GetResult().Code == 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            return false;
        }
    }

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OrderEngine.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository root (OrderEngine.sln) was not found above " + AppContext.BaseDirectory);
    }
}

public sealed class ComposeFactAttribute : FactAttribute
{
    public ComposeFactAttribute()
    {
        if (!Compose.MustRun && Compose.Find() is null) Skip = Compose.Missing;
    }
}
