using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Xunit;

namespace OrderEngine.Testing;

/// <summary>
/// A throwaway RabbitMQ broker for tests: its own node name, a free AMQP port on 127.0.0.1, data and logs in a temp
/// folder, no plugins; stopped and deleted on dispose. Needs Debian's rabbitmq-server (.ci/run installs it).
/// </summary>
/// <remarks>
/// Nothing is shared with a system broker that may run on the same machine (Debian starts one on install): the AMQP,
/// distribution and CLI ports are free ports, the node has its own name and Erlang cookie (HOME is the temp folder), and
/// it registers with its own epmd on a free port instead of the machine's epmd on 4369 (which a system broker's service
/// may own, stop or restart underneath the tests). /etc/rabbitmq is not read. The private epmd is killed on dispose.
/// </remarks>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";

    private readonly TempDirectory _dir;
    private readonly Process _process;
    private readonly Dictionary<string, string> _env;
    private readonly System.Text.StringBuilder _output;

    private RabbitMqServer(TempDirectory dir, Process process, Dictionary<string, string> env, System.Text.StringBuilder output, int port, string node)
    {
        _dir = dir;
        _process = process;
        _env = env;
        _output = output;
        Port = port;
        NodeName = node;
    }

    public int Port { get; }
    public string NodeName { get; }

    /// <summary>The AMQP URI of the broker (guest may connect from loopback only, which is all it listens on).</summary>
    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{Port}/");

    /// <summary>What the broker printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static string? SkipReason() =>
        File.Exists(Path.Combine(Bin, "rabbitmq-server")) ? null : $"RabbitMQ not found under {Bin} (apt-get install -y rabbitmq-server)";

    public static async Task<RabbitMqServer> StartAsync(CancellationToken ct = default)
    {
        if (SkipReason() is { } missing) throw new InvalidOperationException(missing);
        var dir = new TempDirectory();
        var port = FreePort.Next();
        var node = $"orderengine-test-{port}@localhost";
        Directory.CreateDirectory(dir.File("mnesia"));
        Directory.CreateDirectory(dir.File("log"));
        await File.WriteAllTextAsync(dir.File("enabled_plugins"), "[].", ct);
        await File.WriteAllTextAsync(dir.File("rabbitmq-env.conf"), "", ct);
        await File.WriteAllTextAsync(dir.File("rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{port}\nloopback_users.guest = true\n", ct);
        static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
        var ctlPort = FreePort.Next();
        var env = new Dictionary<string, string>
        {
            ["HOME"] = dir.Path, // the Erlang cookie goes here
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["ERL_EPMD_PORT"] = Text(FreePort.Next()),
            ["RABBITMQ_NODENAME"] = node,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = Text(port),
            ["RABBITMQ_DIST_PORT"] = Text(FreePort.Next()),
            // The CLI tools' own distribution port; their default range (35672-35682) is fixed and shared by every broker.
            ["RABBITMQ_CTL_DIST_PORT_MIN"] = Text(ctlPort),
            ["RABBITMQ_CTL_DIST_PORT_MAX"] = Text(ctlPort),
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            ["RABBITMQ_CONF_ENV_FILE"] = dir.File("rabbitmq-env.conf"),
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = dir.File("advanced.config"),
            ["RABBITMQ_MNESIA_BASE"] = dir.File("mnesia"),
            ["RABBITMQ_LOG_BASE"] = dir.File("log"),
            ["RABBITMQ_CONFIG_FILE"] = dir.File("rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = dir.File("enabled_plugins"),
        };
        var info = new ProcessStartInfo(Path.Combine(Bin, "rabbitmq-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir.Path,
        };
        foreach (var (k, v) in env) info.Environment[k] = v;
        var process = Process.Start(info) ?? throw new InvalidOperationException("rabbitmq-server did not start");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RabbitMqServer(dir, process, env, output, port, node);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                var (code, seen) = (process.ExitCode, server.Output);
                await server.DisposeAsync();
                throw new InvalidOperationException($"rabbitmq-server exited with {code}:\n{seen}");
            }
            try
            {
                // The broker opens its AMQP listener near the end of its boot...
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, ct);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
                continue;
            }
            catch (SocketException)
            {
                var seen = server.Output;
                await server.DisposeAsync();
                throw new TimeoutException($"rabbitmq-server did not listen on {port} within 60 s:\n{seen}");
            }
            try
            {
                // ...but rabbitmqctl commands are refused for a moment longer, until the boot is marked complete.
                await server.CtlAsync("await_startup", "--timeout", "60");
                return server;
            }
            catch (Exception e)
            {
                var seen = server.Output;
                await server.DisposeAsync();
                throw new InvalidOperationException($"rabbitmq-server did not finish booting: {e.Message}\n{seen}", e);
            }
        }
    }

    /// <summary>Runs <c>rabbitmqctl -n {node} {args}</c> against this broker and returns its standard output; throws when it fails.</summary>
    public async Task<string> CtlAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(Path.Combine(Bin, "rabbitmqctl"), ["-n", NodeName, .. args], TimeSpan.FromSeconds(60));
        if (code != 0) throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', args)} failed with {code}: {stderr}{stdout}");
        return stdout;
    }

    /// <summary>Ready and unacknowledged messages per queue of the default vhost.</summary>
    public async Task<IReadOnlyDictionary<string, (long Ready, long Unacked)>> QueueCountsAsync()
    {
        var text = await CtlAsync("-q", "list_queues", "--no-table-headers", "name", "messages_ready", "messages_unacknowledged");
        var counts = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('\t');
            if (parts.Length == 3 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var ready) && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var unacked))
                counts[parts[0]] = (ready, unacked);
        }
        return counts;
    }

    /// <summary>Closes every client connection from the broker's side, as a broker restart or a network cut would.</summary>
    public Task CloseAllConnectionsAsync(string reason = "closed by the test") => CtlAsync("close_all_connections", reason);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(Path.Combine(Bin, "rabbitmqctl"), ["-n", NodeName, "stop"], TimeSpan.FromSeconds(30));
            // stop returns once the node agreed to halt; give it a moment to do so before the kill below.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception) { /* fall through to the kill below */ }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException) { /* already gone */ }
        try
        {
            // The node started its own epmd (a daemon, so outside the process tree) on the private port: stop it too.
            await RunAsync("epmd", ["-kill"], TimeSpan.FromSeconds(10));
        }
        catch (Exception) { /* epmd not on PATH or already gone: nothing listens on a port anyone else uses */ }
        _process.Dispose();
        _dir.Dispose();
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, string[] args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir.Path };
        foreach (var (k, v) in _env) info.Environment[k] = v;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Tells tests whether RabbitMQ is installed, so RabbitMQ tests can skip locally but never on CI.</summary>
public static class RabbitMqAvailability
{
    /// <summary>True when the <c>CI</c> environment variable is <c>true</c>: then RabbitMQ tests must run (and fail without a broker), never skip.</summary>
    public static bool MustRun => Environment.GetEnvironmentVariable("CI") == "true";

    /// <summary>Null when rabbitmq-server is installed, otherwise why not.</summary>
    public static string? SkipReason() => RabbitMqServer.SkipReason();
}

/// <summary>
/// A fact that needs a throwaway RabbitMQ broker: skipped, with the reason, when rabbitmq-server is missing, except under
/// CI=true, where it runs and fails (the fixture refuses to start without it).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RabbitMqFactAttribute : FactAttribute
{
    public RabbitMqFactAttribute()
    {
        if (!RabbitMqAvailability.MustRun && RabbitMqAvailability.SkipReason() is { } reason) Skip = reason;
    }
}
