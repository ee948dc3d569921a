using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using OrderEngine.Domain.Orders;
using Address = OrderEngine.Domain.Orders.Address;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Serialization;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.PersonalData;

/// <summary>Personal fields sealed per customer (AES-GCM), opened on reading, and unreadable once the customer's key is erased.</summary>
public sealed class PersonalDataTests : SealingTestKit
{
    private static readonly DateTimeOffset T = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
    private static readonly Address AdaAddress = new("Ada Lovelace", "12 Analytical Row", "Flat 3", "London", "LDN", "N1 9GU", "GB", "+44 20 7946 0001");
    private static readonly Address BobAddress = new("Bob Babbage", "7 Difference Lane", null, "Paris", null, "75001", "FR", "+33 1 2345 6789");

    private static OrderPlaced Placed(string orderId, string customerId, Address address) =>
        new(orderId, "web", customerId, "EUR", [new OrderLine("SKU-1", 2, 10m, 20m)], 20m, address, T.AddMinutes(15), T);

    private static void AssertSamePlacement(OrderPlaced expected, object actual)
    {
        var placed = Assert.IsType<OrderPlaced>(actual);
        Assert.Equal(expected.Lines.ToArray(), placed.Lines.ToArray());
        Assert.Equal(expected with { Lines = placed.Lines }, placed);
    }

    private static void AssertNoPersonalValue(byte[] bytes, Address address)
    {
        var text = Encoding.UTF8.GetString(bytes);
        foreach (var value in new[] { address.Name, address.Line1, address.Line2, address.Phone }.OfType<string>())
            Assert.DoesNotContain(value, text, StringComparison.Ordinal);
    }

    // ---- the cipher ----

    [Fact]
    public void A_sealed_field_opens_with_its_key_for_its_customer_and_field_only()
    {
        var key = PersonalDataCipher.NewKey();
        var sealedName = PersonalDataCipher.Seal(key, "c-1", "address.name", "Ada Lovelace")!;
        Assert.StartsWith(PersonalDataCipher.Prefix, sealedName);
        Assert.DoesNotContain("Ada", sealedName, StringComparison.Ordinal);

        Assert.True(PersonalDataCipher.TryOpen(key, "c-1", "address.name", sealedName, out var clear));
        Assert.Equal("Ada Lovelace", clear);
        // Another key, no key (erased), another customer, another field: refused.
        Assert.False(PersonalDataCipher.TryOpen(PersonalDataCipher.NewKey(), "c-1", "address.name", sealedName, out _));
        Assert.False(PersonalDataCipher.TryOpen(null, "c-1", "address.name", sealedName, out _));
        Assert.False(PersonalDataCipher.TryOpen(key, "c-2", "address.name", sealedName, out _));
        Assert.False(PersonalDataCipher.TryOpen(key, "c-1", "address.phone", sealedName, out _));
        Assert.Equal(PersonalDataCipher.Erased, PersonalDataCipher.OpenOrErased(null, "c-1", "address.name", sealedName));
    }

    [Fact]
    public void A_ciphertext_altered_by_one_bit_is_refused()
    {
        var key = PersonalDataCipher.NewKey();
        var sealedPhone = PersonalDataCipher.Seal(key, "c-1", "address.phone", "+44 20 7946 0001")!;
        var blob = Convert.FromBase64String(sealedPhone[PersonalDataCipher.Prefix.Length..]);
        blob[^1] ^= 1;
        var altered = PersonalDataCipher.Prefix + Convert.ToBase64String(blob);
        Assert.False(PersonalDataCipher.TryOpen(key, "c-1", "address.phone", altered, out _));
    }

    [Fact]
    public void Sealing_the_same_value_twice_gives_different_ciphertexts()
    {
        var key = PersonalDataCipher.NewKey();
        Assert.NotEqual(PersonalDataCipher.Seal(key, "c-1", "address.name", "Ada"), PersonalDataCipher.Seal(key, "c-1", "address.name", "Ada"));
    }

    [Fact]
    public void A_clear_value_written_before_encryption_reads_as_it_is()
    {
        Assert.True(PersonalDataCipher.TryOpen(null, "c-1", "address.name", "Ada Lovelace", out var clear));
        Assert.Equal("Ada Lovelace", clear);
    }

    [Fact]
    public void An_address_printed_into_a_log_line_shows_no_personal_field()
    {
        var printed = $"{AdaAddress} {Placed("o-1", "c-ada", AdaAddress)}";
        foreach (var value in new[] { AdaAddress.Name!, AdaAddress.Line1!, AdaAddress.Line2!, AdaAddress.Phone! })
            Assert.DoesNotContain(value, printed, StringComparison.Ordinal);
        Assert.Contains("London", printed, StringComparison.Ordinal);
    }

    // ---- the serializer with the key store ----

    [Fact]
    public async Task A_placement_is_stored_without_its_personal_values_and_reads_back_whole()
    {
        await Keys.EnsureAsync("c-ada");
        var serializer = SerializerWith(Keys);
        var placed = Placed("o-1", "c-ada", AdaAddress);

        var bytes = serializer.ToBinary(placed);

        AssertNoPersonalValue(bytes, AdaAddress);
        var text = Encoding.UTF8.GetString(bytes);
        // The shipping facts stay readable: city, postal code and country choose the method and feed the reports.
        Assert.Contains("London", text, StringComparison.Ordinal);
        Assert.Contains("N1 9GU", text, StringComparison.Ordinal);
        Assert.Contains("\"GB\"", text, StringComparison.Ordinal);
        AssertSamePlacement(placed, serializer.FromBinary(bytes, serializer.Manifest(placed)));

        // Another node (an empty cache) reads the key from the table.
        await using var other = NewStore();
        AssertSamePlacement(placed, SerializerWith(other).FromBinary(bytes, serializer.Manifest(placed)));
    }

    [Fact]
    public async Task After_an_erasure_the_personal_fields_read_as_erased_and_everything_else_is_intact()
    {
        await Keys.EnsureAsync("c-ada");
        await Keys.EnsureAsync("c-bob");
        var serializer = SerializerWith(Keys);
        var ada = Placed("o-ada", "c-ada", AdaAddress);
        var bob = Placed("o-bob", "c-bob", BobAddress);
        var adaBytes = serializer.ToBinary(ada);
        var bobBytes = serializer.ToBinary(bob);

        var erasure = await Keys.EraseAsync("c-ada", "key:admin", CancellationToken.None);
        Assert.Equal(1, erasure.KeysDestroyed);

        var read = (OrderPlaced)serializer.FromBinary(adaBytes, "order.placed");
        Assert.Equal(new Address(PersonalDataCipher.Erased, PersonalDataCipher.Erased, PersonalDataCipher.Erased, "London", "LDN", "N1 9GU", "GB",
            PersonalDataCipher.Erased), read.ShippingAddress);
        AssertSamePlacement(ada with { ShippingAddress = read.ShippingAddress }, read);
        AssertSamePlacement(bob, serializer.FromBinary(bobBytes, "order.placed"));

        // A node that never had the key: the same.
        await using var fresh = NewStore();
        AssertSamePlacement(read, SerializerWith(fresh).FromBinary(adaBytes, "order.placed"));
        AssertSamePlacement(bob, SerializerWith(fresh).FromBinary(bobBytes, "order.placed"));

        // The key material is gone from the table, not flagged.
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_material IS NULL, erased_at IS NOT NULL FROM customer_keys WHERE customer_id = 'c-ada'";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.True(reader.GetBoolean(0));
        Assert.True(reader.GetBoolean(1));
    }

    [Fact]
    public async Task A_node_that_cached_the_key_drops_it_at_its_recheck_after_an_erasure_elsewhere()
    {
        await Keys.EnsureAsync("c-ada");
        var bytes = SerializerWith(Keys).ToBinary(Placed("o-1", "c-ada", AdaAddress));
        await using var otherNode = NewStore();
        Assert.Equal(AdaAddress, ((OrderPlaced)SerializerWith(otherNode).FromBinary(bytes, "order.placed")).ShippingAddress);

        await Keys.EraseAsync("c-ada", "key:admin", CancellationToken.None);
        Assert.Equal(1, await otherNode.RecheckAsync(CancellationToken.None));

        Assert.True(otherNode.TryGetCached("c-ada", out var cached));
        Assert.Null(cached);
        Assert.Equal(PersonalDataCipher.Erased, ((OrderPlaced)SerializerWith(otherNode).FromBinary(bytes, "order.placed")).ShippingAddress!.Name);
    }

    [Fact]
    public async Task A_placement_written_for_a_customer_known_as_erased_holds_no_personal_value()
    {
        await Keys.EnsureAsync("c-ada");
        await Keys.EraseAsync("c-ada", "key:admin", CancellationToken.None);
        var serializer = SerializerWith(Keys);
        var bytes = serializer.ToBinary(Placed("o-2", "c-ada", AdaAddress));
        AssertNoPersonalValue(bytes, AdaAddress);
        Assert.Equal(PersonalDataCipher.Erased, ((OrderPlaced)serializer.FromBinary(bytes, "order.placed")).ShippingAddress!.Phone);
    }

    [Fact]
    public async Task A_customer_erased_and_keyed_again_gets_a_new_key_that_does_not_open_the_old_data()
    {
        await Keys.EnsureAsync("c-ada");
        var serializer = SerializerWith(Keys);
        var before = serializer.ToBinary(Placed("o-1", "c-ada", AdaAddress));
        await Keys.EraseAsync("c-ada", "key:admin", CancellationToken.None);

        await Keys.EnsureAsync("c-ada");
        var after = serializer.ToBinary(Placed("o-2", "c-ada", BobAddress));

        Assert.Equal(PersonalDataCipher.Erased, ((OrderPlaced)serializer.FromBinary(before, "order.placed")).ShippingAddress!.Name);
        Assert.Equal("Bob Babbage", ((OrderPlaced)serializer.FromBinary(after, "order.placed")).ShippingAddress!.Name);
    }

    [Fact]
    public async Task Erasing_a_customer_without_a_key_is_audited_with_no_key_destroyed()
    {
        var first = await Keys.EraseAsync("c-nobody", "user:dpo", CancellationToken.None);
        var again = await Keys.EraseAsync("c-nobody", "user:dpo", CancellationToken.None);
        Assert.Equal(0, first.KeysDestroyed);
        var (held, erasures) = await Keys.StatusAsync("c-nobody", CancellationToken.None);
        Assert.False(held);
        Assert.Equal(new[] { first.Id, again.Id }.Order(), erasures.Select(e => e.Id).Order());
        Assert.All(erasures, e => Assert.Equal("user:dpo", e.ErasedBy));
    }

    [Fact]
    public void A_placement_written_in_clear_before_encryption_still_reads()
    {
        var placed = Placed("o-old", "c-old", AdaAddress);
        var clearBytes = SerializerWith(null).ToBinary(placed);
        Assert.Contains("Ada Lovelace", Encoding.UTF8.GetString(clearBytes), StringComparison.Ordinal);
        AssertSamePlacement(placed, SerializerWith(Keys).FromBinary(clearBytes, "order.placed"));
    }

    // ---- the key writer ----

    [Fact]
    public async Task Keys_asked_for_at_once_are_written_together_one_per_customer_and_two_nodes_agree_on_the_winner()
    {
        await using var otherNode = NewStore();
        var customers = Enumerable.Range(0, 300).Select(i => $"c-{i % 150}").ToArray();
        await Task.WhenAll(customers.Select((c, i) => (i % 2 == 0 ? Keys : otherNode).EnsureAsync(c)));

        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM customer_keys WHERE key_material IS NOT NULL";
        Assert.Equal(150L, Convert.ToInt64(await command.ExecuteScalarAsync()));
        // What one node sealed, the other opens: both hold the key that won.
        foreach (var c in customers.Distinct().Take(20))
        {
            var bytes = SerializerWith(Keys).ToBinary(Placed("o-" + c, c, AdaAddress));
            Assert.Equal(AdaAddress, ((OrderPlaced)SerializerWith(otherNode).FromBinary(bytes, "order.placed")).ShippingAddress);
        }
    }

    [Fact]
    public async Task With_a_master_key_the_stored_keys_are_wrapped_and_need_it()
    {
        var master = Convert.ToBase64String(PersonalDataCipher.NewKey());
        await using var wrapping = NewStore(master);
        await wrapping.EnsureAsync("c-w");
        var bytes = SerializerWith(wrapping).ToBinary(Placed("o-w", "c-w", AdaAddress));

        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_material FROM customer_keys WHERE customer_id = 'c-w'";
        Assert.StartsWith("w1:", (string)(await command.ExecuteScalarAsync())!);

        await using var sameMaster = NewStore(master);
        Assert.Equal(AdaAddress, ((OrderPlaced)SerializerWith(sameMaster).FromBinary(bytes, "order.placed")).ShippingAddress);
        await using var noMaster = NewStore();
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => SerializerWith(noMaster).FromBinary(bytes, "order.placed"));
    }
}
