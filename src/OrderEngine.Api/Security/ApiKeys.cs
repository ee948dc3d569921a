using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Api.Security;

/// <summary>An API key as stored and listed: never the key, never its hash.</summary>
public sealed record ApiKeyView(string Id, string Name, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A key found by its hash, as the handler needs it.</summary>
public sealed record ApiKeyRecord(string Id, string Name, IReadOnlyList<string> Roles, bool Revoked);

/// <summary>
/// Making and hashing keys. A key is 256 random bits, base64url (no padding), after an "oe_" prefix that lets secret
/// scanners and people recognise it. Stored is its SHA-256: with 256 bits of entropy a key cannot be guessed from its
/// hash, so a slow, salted password hash would add cost to every request and nothing to safety.
/// </summary>
public static class ApiKeyMaterial
{
    public const string Prefix = "oe_";

    public static string NewKey() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string NewId() => "key-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();

    /// <summary>The size of a key's hash, SHA-256.</summary>
    public const int HashSize = 32;

    /// <summary>A key's hash as stored: its SHA-256 in lower-case hex.</summary>
    public static string Hash(string key)
    {
        Span<byte> hash = stackalloc byte[HashSize];
        Hash(key, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>A key's SHA-256 into <paramref name="hash"/> (<see cref="HashSize"/> bytes), without allocating for a key of up to 256 characters.</summary>
    public static void Hash(string key, Span<byte> hash)
    {
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        var bytes = max <= 1024 ? stackalloc byte[max] : new byte[max];
        SHA256.HashData(bytes[..Encoding.UTF8.GetBytes(key, bytes)], hash);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The roles a key or token may carry (docs/security.md), and the checks on a key's name and roles.</summary>
public static partial class ApiKeyRoles
{
    public static readonly IReadOnlyList<string> Known = ["admin", "operator", "warehouse", "reporting", "courier", "restaurant"];

    public const string ChannelPrefix = "channel:";

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex ChannelName();

    public static bool IsValid(string role) =>
        Known.Contains(role, StringComparer.Ordinal)
        || (role.StartsWith(ChannelPrefix, StringComparison.Ordinal) && ChannelName().IsMatch(role[ChannelPrefix.Length..]));

    /// <summary>The faults of a key's name and roles, by field (empty: valid).</summary>
    public static Dictionary<string, string[]> Validate(string? name, IReadOnlyList<string?>? roles)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(name)) errors["name"] = ["a name is required"];
        else if (name.Length > 100) errors["name"] = ["at most 100 characters"];
        else if (name.Any(char.IsControl)) errors["name"] = ["no control characters"];
        if (roles is null || roles.Count == 0) errors["roles"] = ["at least one role is required"];
        else
        {
            for (var i = 0; i < roles.Count; i++)
                if (roles[i] is not { } role || !IsValid(role))
                    errors[$"roles[{i}]"] = [$"not a role: one of {string.Join(", ", Known)}, or channel:{{name}} (lower-case letters, digits, '.', '_', '-')"];
            if (roles.Distinct(StringComparer.Ordinal).Count() != roles.Count) errors["roles"] = ["each role once"];
        }
        return errors;
    }
}

/// <summary>The api_keys table (deploy/sql) in the journal's database.</summary>
public sealed class ApiKeyStore(JournalDatabase database)
{
    public async Task CreateAsync(string id, string name, IReadOnlyList<string> roles, string hash, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO api_keys (id, name, roles, hash, created_at) VALUES (@id, @name, @roles, @hash, @at)";
        command.AddParameter("id", id);
        command.AddParameter("name", name);
        command.AddParameter("roles", string.Join(' ', roles));
        command.AddParameter("hash", hash);
        command.AddParameter("at", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<ApiKeyView>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, roles, created_at, revoked_at FROM api_keys ORDER BY created_at, id";
        var list = new List<ApiKeyView>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new ApiKeyView(reader.GetString(0), reader.GetString(1), Roles(reader.GetString(2)), Time(reader.GetValue(3)),
                reader.IsDBNull(4) ? null : Time(reader.GetValue(4))));
        return list;
    }

    public async Task<ApiKeyRecord?> FindByHashAsync(string hash, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, roles, revoked_at FROM api_keys WHERE hash = @hash";
        command.AddParameter("hash", hash);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new ApiKeyRecord(reader.GetString(0), reader.GetString(1), Roles(reader.GetString(2)), !reader.IsDBNull(3));
    }

    /// <summary>Revokes a key (idempotent: a revoked key stays revoked at its first time); false when there is no such key.</summary>
    public async Task<bool> RevokeAsync(string id, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @at) WHERE id = @id";
        command.AddParameter("id", id);
        command.AddParameter("at", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<long> CountActiveAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    private static IReadOnlyList<string> Roles(string stored) => stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static DateTimeOffset Time(object value) => DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value));
}

/// <summary>
/// Key lookups kept in memory for a short time (OrderEngine:Security:ApiKeyCacheTime, 5 s by default), so a request does
/// not read the database each time. A revocation on this node evicts the key at once; on other nodes it shows once their
/// entry expires, so within the cache time everywhere. Unknown keys are remembered too (a flood of wrong keys does not
/// become a flood of queries), and the whole cache is dropped past <see cref="MaxEntries"/> so it cannot grow unbounded.
/// </summary>
public sealed class ApiKeyCache(ApiKeyStore store, TimeProvider clock, Microsoft.Extensions.Options.IOptions<SecurityOptions> options)
{
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>A lookup and, for an active key, its principal: built once per lookup, shared by the key's requests until the entry expires.</summary>
    private sealed record Entry(ApiKeyRecord? Record, EnginePrincipal? Principal, DateTimeOffset Until);

    public async Task<ApiKeyRecord?> FindAsync(string hash, CancellationToken ct) => (await FindPrincipalAsync(hash, ct)).Record;

    /// <summary>The key with this hash (null: unknown) and, unless it is revoked, its principal.</summary>
    public ValueTask<(ApiKeyRecord? Record, EnginePrincipal? Principal)> FindPrincipalAsync(string hash, CancellationToken ct)
    {
        if (_entries.TryGetValue(hash, out var entry) && entry.Until > clock.GetUtcNow())
            return ValueTask.FromResult((entry.Record, entry.Principal));
        return new ValueTask<(ApiKeyRecord?, EnginePrincipal?)>(LookUpAsync(hash, ct));
    }

    private async Task<(ApiKeyRecord?, EnginePrincipal?)> LookUpAsync(string hash, CancellationToken ct)
    {
        var record = await store.FindByHashAsync(hash, ct);
        var principal = record is { Revoked: false }
            ? Principal.Of(ApiKeyAuthenticationHandler.SchemeName, record.Id, record.Name, record.Roles)
            : null;
        if (_entries.Count >= MaxEntries) _entries.Clear();
        _entries[hash] = new Entry(record, principal, clock.GetUtcNow() + options.Value.ApiKeyCacheTime);
        return (record, principal);
    }

    /// <summary>Forgets every cached lookup (after a revocation on this node: the next request reads the table).</summary>
    public void Clear() => _entries.Clear();
}
