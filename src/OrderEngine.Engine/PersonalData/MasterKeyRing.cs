using System.Security.Cryptography;

namespace OrderEngine.Engine.PersonalData;

/// <summary>
/// The master keys that wrap customer keys: the current one (<see cref="PersonalDataOptions.PersonalDataMasterKey"/>),
/// which wraps every key written, and the previous ones (<see cref="PersonalDataOptions.PersonalDataPreviousMasterKeys"/>),
/// tried only to open a key the current one does not open (a rotation not yet finished by <c>personal-data rewrap</c>).
/// Key material never reaches an exception message or a log line.
/// </summary>
public sealed class MasterKeyRing
{
    private const string RawPrefix = "k1:";
    private const string WrappedPrefix = "w1:";

    private readonly byte[]? _current;
    private readonly IReadOnlyList<byte[]> _previous;

    public MasterKeyRing(byte[]? current, IReadOnlyList<byte[]> previous)
    {
        _current = current;
        _previous = previous;
    }

    /// <summary>The ring of the configured settings; a malformed key is an <see cref="InvalidOperationException"/> naming the setting, never the value.</summary>
    public static MasterKeyRing From(PersonalDataOptions options) => new(options.MasterKeyBytes(), options.PreviousMasterKeyBytes());

    /// <summary>True when keys are written wrapped.</summary>
    public bool HasCurrent => _current is not null;

    /// <summary>The key as stored: wrapped with the current master key, or as it is without one.</summary>
    public string Wrap(byte[] key, string customerId) => PersonalDataCipher.Wrap(key, _current, customerId);

    /// <summary>
    /// The key from its stored form: as it is (<c>k1:</c>), or unwrapped with the current master key, else with a previous
    /// one. Throws <see cref="PersonalDataKeyUnreadableException"/> when none opens it.
    /// </summary>
    public byte[] Unwrap(string stored, string customerId) => Open(stored, customerId, out _);

    /// <summary>True when the stored key is wrapped with the current master key (nothing for a rewrap to do).</summary>
    public bool IsCurrent(string stored, string customerId)
    {
        if (_current is null || !stored.StartsWith(WrappedPrefix, StringComparison.Ordinal)) return false;
        return TryUnwrap(stored, _current, customerId, out _);
    }

    /// <summary>Opens a stored key; <paramref name="current"/> says whether it is already in the form the current settings write.</summary>
    public byte[] Open(string stored, string customerId, out bool current)
    {
        current = false;
        if (stored.StartsWith(RawPrefix, StringComparison.Ordinal))
        {
            current = _current is null;
            try
            {
                return PersonalDataCipher.Unwrap(stored, null, customerId);
            }
            catch (FormatException)
            {
                throw new PersonalDataKeyUnreadableException("A personal data key in customer_keys is malformed");
            }
        }
        if (!stored.StartsWith(WrappedPrefix, StringComparison.Ordinal))
            throw new PersonalDataKeyUnreadableException("A personal data key in customer_keys has an unknown format");
        if (_current is not null && TryUnwrap(stored, _current, customerId, out var key))
        {
            current = true;
            return key;
        }
        foreach (var previous in _previous)
            if (TryUnwrap(stored, previous, customerId, out key)) return key;
        throw new PersonalDataKeyUnreadableException(_current is null && _previous.Count == 0
            ? "A personal data key in customer_keys is wrapped with a master key but OrderEngine:Security:PersonalDataMasterKey is not set"
            : "A personal data key in customer_keys opens with neither OrderEngine:Security:PersonalDataMasterKey nor any of "
              + "OrderEngine:Security:PersonalDataPreviousMasterKeys: add the master key it was wrapped with to PersonalDataPreviousMasterKeys "
              + "(then run `personal-data rewrap`)");
    }

    private static bool TryUnwrap(string stored, byte[] masterKey, string customerId, out byte[] key)
    {
        try
        {
            key = PersonalDataCipher.Unwrap(stored, masterKey, customerId);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException or OverflowException)
        {
            key = [];
            return false;
        }
    }
}

/// <summary>
/// A stored customer key that no configured master key opens (or a malformed one): the customer's sealed fields cannot
/// be read on this node until the right master key is configured. The message names settings only.
/// </summary>
public sealed class PersonalDataKeyUnreadableException(string message) : CryptographicException(message);
