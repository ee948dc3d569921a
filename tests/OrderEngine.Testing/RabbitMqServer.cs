using System.Diagnostics;
using System.Net.Sockets;

namespace OrderEngine.Testing;

/// <summary>
/// A throwaway RabbitMQ broker for tests: its own node name, a free AMQP port on 127.0.0.1, data and logs in a temp
/// folder, no plugins; stopped and deleted on dispose. Needs Debian's rabbitmq-server (.ci/run installs it).
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";

    private readonly TempDirectory _dir;
    private readonly Process _process;
    private readonly Dictionary<string, string> _env;

    private RabbitMqServer(TempDirectory dir, Process process, Dictionary<string, string> env, int port, string node)
    {
        _dir = dir;
        _process = process;
        _env = env;
        Port = port;
        NodeName = node;
    }

    public int Port { get; }
    public string NodeName { get; }

    /// <summary>The AMQP URI of the broker (guest may connect from loopback only, which is all it listens on).</summary>
    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{Port}/");

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
        await File.WriteAllTextAsync(dir.File("rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{port}\nloopback_users.guest = true\n", ct);
        var env = new Dictionary<string, string>
        {
            ["HOME"] = dir.Path, // the Erlang cookie goes here
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODENAME"] = node,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
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
        var server = new RabbitMqServer(dir, process, env, port, node);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"rabbitmq-server exited with {process.ExitCode}:\n{output}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, ct);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }
            catch (SocketException)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"rabbitmq-server did not listen on {port} within 60 s:\n{output}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            var stop = new ProcessStartInfo(Path.Combine(Bin, "rabbitmqctl"), ["-n", NodeName, "stop"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (k, v) in _env) stop.Environment[k] = v;
            using var ctl = Process.Start(stop);
            if (ctl is not null)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { await ctl.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { ctl.Kill(true); }
            }
        }
        catch (Exception) { /* fall through to the kill below */ }
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _dir.Dispose();
    }
}
