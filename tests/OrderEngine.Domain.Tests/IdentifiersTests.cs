using FsCheck;
using FsCheck.Xunit;

namespace OrderEngine.Domain.Tests;

/// <summary>Entity id and channel formats, and the order ids derived from idempotency keys and channel ids.</summary>
public class IdentifiersTests
{
    [Fact]
    public void The_order_id_for_an_idempotency_key_is_deterministic()
    {
        Assert.Equal(Identifiers.OrderIdFromIdempotencyKey("key-123"), Identifiers.OrderIdFromIdempotencyKey("key-123"));
    }

    [Fact]
    public void The_order_id_for_an_idempotency_key_is_stable_across_releases()
    {
        // Pinned: a change in the derivation would route retries of existing orders to new, empty entities.
        Assert.Equal(ExpectedDerivation("key\nkey-123"), Identifiers.OrderIdFromIdempotencyKey("key-123"));
        Assert.Equal(ExpectedDerivation("ext\nweb\nA-1"), Identifiers.OrderIdFromExternal("web", "A-1"));
    }

    [Fact]
    public void Different_idempotency_keys_give_different_order_ids()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => Identifiers.OrderIdFromIdempotencyKey($"key-{i}")).ToHashSet();

        Assert.Equal(2000, ids.Count);
        Assert.NotEqual(Identifiers.OrderIdFromIdempotencyKey("abc"), Identifiers.OrderIdFromIdempotencyKey("ABC"));
    }

    [Fact]
    public void The_order_id_for_an_external_id_differs_per_channel_and_per_external_id()
    {
        var id = Identifiers.OrderIdFromExternal("web", "A-1");

        Assert.Equal(id, Identifiers.OrderIdFromExternal("web", "A-1"));
        Assert.NotEqual(id, Identifiers.OrderIdFromExternal("shop", "A-1"));
        Assert.NotEqual(id, Identifiers.OrderIdFromExternal("web", "A-2"));
        Assert.NotEqual(Identifiers.OrderIdFromExternal("ab", "c"), Identifiers.OrderIdFromExternal("a", "bc"));
    }

    [Fact]
    public void Keys_and_external_ids_never_share_an_order_id()
    {
        Assert.NotEqual(Identifiers.OrderIdFromIdempotencyKey("web\nA-1"), Identifiers.OrderIdFromExternal("web", "A-1"));
    }

    [Property(MaxTest = 500)]
    public void A_derived_order_id_is_always_a_valid_entity_id(NonNull<string> key, NonNull<string> externalId)
    {
        foreach (var id in new[] { Identifiers.OrderIdFromIdempotencyKey(key.Get), Identifiers.OrderIdFromExternal("web", externalId.Get) })
        {
            Assert.True(Identifiers.IsValidEntityId(id), id);
            Assert.Equal(25, id.Length);
            Assert.StartsWith("o", id);
        }
    }

    [Theory]
    [InlineData("A", true)]
    [InlineData("sku-1.blue_XL", true)]
    [InlineData("0abc", true)]
    [InlineData("", false)]
    [InlineData("-a", false)]
    [InlineData(".a", false)]
    [InlineData("a b", false)]
    [InlineData("a/b", false)]
    [InlineData("é", false)]
    [InlineData(null, false)]
    public void Entity_ids_are_url_safe_ascii(string? id, bool valid)
    {
        Assert.Equal(valid, Identifiers.IsValidEntityId(id));
    }

    [Fact]
    public void Entity_ids_are_at_most_64_characters()
    {
        Assert.True(Identifiers.IsValidEntityId(new string('a', Identifiers.MaxLength)));
        Assert.False(Identifiers.IsValidEntityId(new string('a', Identifiers.MaxLength + 1)));
    }

    [Theory]
    [InlineData("web", true)]
    [InlineData("shop.de_2-b", true)]
    [InlineData("Web", false)]
    [InlineData("_web", false)]
    [InlineData("", false)]
    [InlineData("a2345678901234567890123456789012", true)]   // 32
    [InlineData("a23456789012345678901234567890123", false)] // 33
    [InlineData(null, false)]
    public void Channels_are_lower_case_and_short(string? channel, bool valid)
    {
        Assert.Equal(valid, Identifiers.IsValidChannel(channel));
    }

    /// <summary>An independent spelling of the derivation: 'o' + the first 120 bits of SHA-256 in base32 (0-9, a-z without i l o u).</summary>
    private static string ExpectedDerivation(string source)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source));
        var bits = string.Concat(hash.Select(b => Convert.ToString(b, 2).PadLeft(8, '0')));
        const string alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
        return "o" + string.Concat(Enumerable.Range(0, 24).Select(i => alphabet[Convert.ToInt32(bits.Substring(i * 5, 5), 2)]));
    }
}
