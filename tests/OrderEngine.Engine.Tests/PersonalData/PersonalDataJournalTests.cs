using System.Text;
using Akka.Actor;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain.Orders;
using Address = OrderEngine.Domain.Orders.Address;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.PersonalData;

/// <summary>The whole node on SQLite: what the journal holds of a placement's personal data, and an erasure reaching the entities.</summary>
public sealed class PersonalDataJournalTests : IDisposable
{
    private static readonly Address AdaAddress = new("Ada Lovelace", "12 Analytical Row", "Flat 3", "London", "LDN", "N1 9GU", "GB", "+44 20 7946 0001");
    private static readonly Address BobAddress = new("Bob Babbage", "7 Difference Lane", null, "Paris", null, "75001", "FR", "+33 1 2345 6789");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private static async Task<OrderView> OrderOf(EngineHost engine, string orderId) =>
        Assert.IsType<OrderAccepted>(await engine.Orders.Ask<IOrderReply>(new GetOrder(orderId), Timeout)).View;

    [Fact]
    public async Task The_journal_holds_no_name_street_or_phone_and_an_erased_customer_reads_erased_in_memory_and_after_a_restart()
    {
        var path = _dir.File("oe.db");
        var settings = EngineHost.Sqlite(path);
        await using (var engine = await EngineHost.StartAsync(settings))
        {
            Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new SetOnHand("pii-sku", 10, 1), Timeout));
            foreach (var (orderId, customer, address) in new[] { ("o-ada", "c-ada", AdaAddress), ("o-bob", "c-bob", BobAddress) })
            {
                var reply = await engine.Orders.Ask<IOrderReply>(
                    new PlaceOrder(orderId, "web", customer, "EUR", [new OrderLineRequest("pii-sku", 1, 5m)], address), Timeout);
                Assert.Equal(address, Assert.IsType<OrderAccepted>(reply).View.ShippingAddress);
            }

            var journal = await RawJournalTextAsync(path);
            Assert.Contains("o-ada", journal, StringComparison.Ordinal);
            Assert.Contains(PersonalDataCipher.Prefix, journal, StringComparison.Ordinal);
            foreach (var value in new[] { "Ada Lovelace", "Analytical", "Flat 3", "7946", "Bob Babbage", "Difference Lane", "2345 6789" })
                Assert.DoesNotContain(value, journal, StringComparison.Ordinal);

            await engine.Services.GetRequiredService<CustomerKeyStore>().EraseAsync("c-ada", "key:test", CancellationToken.None);

            // The entity still in memory drops its clear copy at its next message.
            var ada = await OrderOf(engine, "o-ada");
            Assert.Equal(new Address(PersonalDataCipher.Erased, PersonalDataCipher.Erased, PersonalDataCipher.Erased, "London", "LDN", "N1 9GU", "GB",
                PersonalDataCipher.Erased), ada.ShippingAddress);
            Assert.Equal(OrderStatus.Reserved, ada.Status);
            Assert.Equal(5m, ada.Total);
            Assert.Equal(BobAddress, (await OrderOf(engine, "o-bob")).ShippingAddress);
        }

        await using (var engine = await EngineHost.StartAsync(settings))
        {
            var ada = await OrderOf(engine, "o-ada");
            Assert.Equal(PersonalDataCipher.Erased, ada.ShippingAddress!.Name);
            Assert.Equal(PersonalDataCipher.Erased, ada.ShippingAddress.Phone);
            Assert.Equal("GB", ada.ShippingAddress.Country);
            Assert.Equal(OrderStatus.Reserved, ada.Status);
            Assert.Equal(BobAddress, (await OrderOf(engine, "o-bob")).ShippingAddress);
            var stock = Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new GetStock("pii-sku"), Timeout)).View;
            Assert.Equal((10L, 2L), (stock.OnHand, stock.Reserved));
        }
    }

    private static async Task<string> RawJournalTextAsync(string path)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT message FROM journal";
        var text = new StringBuilder();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) text.Append(Encoding.UTF8.GetString((byte[])reader[0])).Append('\n');
        return text.ToString();
    }
}
