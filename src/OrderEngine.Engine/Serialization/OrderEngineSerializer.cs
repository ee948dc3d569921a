using System.Text.Json;
using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;

namespace OrderEngine.Engine.Serialization;

/// <summary>
/// Serializes every <see cref="Domain.IOrderEngineMessage"/> as UTF-8 JSON under a stable manifest
/// (see <see cref="MessageManifests"/>), for the journal, snapshots and messages between nodes.
/// </summary>
public sealed class OrderEngineSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer id stored next to every event; it must never change.</summary>
    public const int Id = 4711;

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        MessageManifests.TryGet(o.GetType(), out var manifest, out _)
            ? manifest
            : throw new SerializationException($"{o.GetType().FullName} has no manifest in {nameof(MessageManifests)}");

    public override byte[] ToBinary(object obj) =>
        MessageManifests.TryGet(obj.GetType(), out _, out var info)
            ? JsonSerializer.SerializeToUtf8Bytes(obj, info)
            : throw new SerializationException($"{obj.GetType().FullName} has no manifest in {nameof(MessageManifests)}");

    public override object FromBinary(byte[] bytes, string manifest) =>
        MessageManifests.TryGet(manifest, out var info)
            ? JsonSerializer.Deserialize(bytes, info) ?? throw new SerializationException($"null payload for manifest {manifest}")
            : throw new SerializationException($"unknown manifest '{manifest}'");
}
