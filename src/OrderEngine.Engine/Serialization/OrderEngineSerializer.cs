using System.Text.Json;
using Akka.Actor;
using Akka.DependencyInjection;
using System.Runtime.Serialization;
using Akka.Serialization;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;

namespace OrderEngine.Engine.Serialization;

/// <summary>
/// Serializes every <see cref="Domain.IOrderEngineMessage"/> as UTF-8 JSON under a stable manifest
/// (see <see cref="MessageManifests"/>), for the journal, snapshots and messages between nodes. The personal fields of
/// a placement's address are sealed with its customer's key on the way out and opened on the way in
/// (<see cref="PersonalDataCipher"/>); a customer whose key was erased reads as <see cref="PersonalDataCipher.Erased"/>.
/// </summary>
public sealed class OrderEngineSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer id stored next to every event; it must never change.</summary>
    public const int Id = 4711;

    private CustomerKeyStore? _keys;
    private bool _keysResolved;

    /// <summary>A serializer with its key store given (tests); the engine's is found in the node's services.</summary>
    public OrderEngineSerializer(ExtendedActorSystem system, CustomerKeyStore? keys) : this(system)
    {
        _keys = keys;
        _keysResolved = true;
    }

    public override int Identifier => Id;

    // Resolved on first use: the serializer is created by Akka, before anything of the host may be asked for. Without a
    // key store (a bare ActorSystem, as in serialization tests) placements are written as they are.
    private CustomerKeyStore? Keys
    {
        get
        {
            if (_keysResolved) return _keys;
            try
            {
                _keys = DependencyResolver.For(system).Resolver.GetService<CustomerKeyStore>();
            }
            catch (Exception)
            {
                _keys = null;
            }
            _keysResolved = true;
            return _keys;
        }
    }

    public override string Manifest(object o) =>
        MessageManifests.TryGet(o.GetType(), out var manifest, out _)
            ? manifest
            : throw new SerializationException($"{o.GetType().FullName} has no manifest in {nameof(MessageManifests)}");

    public override byte[] ToBinary(object obj)
    {
        if (!MessageManifests.TryGet(obj.GetType(), out _, out var info))
            throw new SerializationException($"{obj.GetType().FullName} has no manifest in {nameof(MessageManifests)}");
        if (obj is OrderPlaced { ShippingAddress: { } address } placed && PersonalDataCipher.HasPersonalFields(address)
            && !PersonalDataCipher.HasSealedFields(address) && Keys is { } keys)
        {
            var key = keys.KeyForWrite(placed.CustomerId);
            obj = placed with { ShippingAddress = key is null ? PersonalDataCipher.Erase(address) : PersonalDataCipher.Seal(key, placed.CustomerId, address) };
        }
        obj = CaseTextCipher.SealForWrite(obj, Keys);
        return DropOffCipher.SealForWrite(obj, JsonSerializer.SerializeToUtf8Bytes(obj, info), Keys);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var obj = MessageManifests.TryGet(manifest, out var info)
            ? JsonSerializer.Deserialize(bytes, info) ?? throw new SerializationException($"null payload for manifest {manifest}")
            : throw new SerializationException($"unknown manifest '{manifest}'");
        obj = DropOffCipher.OpenOnRead(obj, bytes, Keys, b => JsonSerializer.Deserialize(b, info!)!);
        // Written before encryption existed: clear fields, read as they are. Sealed: opened, or erased when the key is gone.
        if (obj is OrderPlaced { ShippingAddress: { } address } placed && PersonalDataCipher.HasSealedFields(address))
        {
            var key = Keys?.KeyForRead(placed.CustomerId);
            obj = placed with { ShippingAddress = PersonalDataCipher.Open(key, placed.CustomerId, address) };
        }
        return CaseTextCipher.OpenOnRead(obj, Keys);
    }
}
