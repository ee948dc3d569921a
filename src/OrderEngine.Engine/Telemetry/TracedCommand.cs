using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Engine.Telemetry;

/// <summary>
/// A command with the W3C trace context of whoever sent it: Akka.NET does not carry <see cref="Activity"/> across a
/// mailbox, so the context travels with the message instead. An envelope rather than a field on every command record:
/// the commands (and their stored form) stay as they are, the order message extractor routes the envelope by the
/// command inside, and the entity unwraps it. It is only ever made while a trace is being recorded
/// (<see cref="Wrap"/>), so with tracing off nothing is wrapped and nothing is allocated.
/// </summary>
public sealed class TracedCommand(object message, string traceParent, string? traceState)
{
    /// <summary>The command itself.</summary>
    public object Message { get; } = message;

    /// <summary>The sender's span as a W3C traceparent header value.</summary>
    public string TraceParent { get; } = traceParent;

    public string? TraceState { get; } = traceState;

    /// <summary>The sender's span context (default when the traceparent cannot be read).</summary>
    public ActivityContext Parent =>
        ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out var context) ? context : default;

    /// <summary>
    /// The message as it should be sent to its shard region: an order command inside an envelope carrying the current
    /// span's context when OrderEngine's spans are being recorded, otherwise the message itself.
    /// </summary>
    public static object Wrap(object message)
    {
        if (message is not IOrderCommand || !OrderEngineTelemetry.Source.HasListeners()) return message;
        var current = Activity.Current;
        if (current is null || !current.Recorded) return message;
        return new TracedCommand(message, current.Id!, current.TraceStateString);
    }

    public override string ToString() => $"Traced({Message})";
}

/// <summary>
/// Binary form of <see cref="TracedCommand"/> for remoting (a command sent to an entity on another node): the trace
/// context, then the command as its own serializer writes it (serializer id and manifest), so the command keeps its
/// stable manifest and the envelope needs no registration per command type.
/// </summary>
public sealed class TracedCommandSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string TracedManifest = "traced";

    public override int Identifier => 7311;

    public override string Manifest(object o) => o is TracedCommand ? TracedManifest : throw new ArgumentException($"cannot serialize {o.GetType()}");

    public override byte[] ToBinary(object obj)
    {
        var traced = (TracedCommand)obj;
        var serializer = system.Serialization.FindSerializerFor(traced.Message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, traced.Message);
        var inner = serializer.ToBinary(traced.Message);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(traced.TraceParent);
            writer.Write(traced.TraceState ?? "");
            writer.Write(serializer.Identifier);
            writer.Write(manifest);
            writer.Write(inner.Length);
            writer.Write(inner);
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest != TracedManifest) throw new System.Runtime.Serialization.SerializationException($"unknown manifest '{manifest}'");
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        var traceParent = reader.ReadString();
        var traceState = reader.ReadString();
        var serializerId = reader.ReadInt32();
        var innerManifest = reader.ReadString();
        var inner = reader.ReadBytes(reader.ReadInt32());
        var message = system.Serialization.Deserialize(inner, serializerId, innerManifest);
        return new TracedCommand(message, traceParent, traceState.Length == 0 ? null : traceState);
    }
}

/// <summary>Akka.Hosting registration of the traced envelope's serializer.</summary>
public static class TracingHosting
{
    /// <summary>Binds <see cref="TracedCommandSerializer"/> to <see cref="TracedCommand"/> (a traced command may cross nodes).</summary>
    public static Akka.Hosting.AkkaConfigurationBuilder WithOrderEngineTracing(this Akka.Hosting.AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer("orderengine-traced", [typeof(TracedCommand)], system => new TracedCommandSerializer(system));
}
