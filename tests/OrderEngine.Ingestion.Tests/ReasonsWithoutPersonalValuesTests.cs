using OrderEngine.Ingestion.Adapters;
using OrderEngine.Ingestion.Channels;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

/// <summary>
/// A quarantine reason stays readable after an erasure (the payload does not), so no reason may carry a name, street,
/// phone or email of the record: a value in the wrong place is named by its kind only.
/// </summary>
public sealed class ReasonsWithoutPersonalValuesTests
{
    private static string ReasonOf(AdapterResult result) => Assert.IsType<Refused>(result).Reason;

    [Fact]
    public void A_Shopify_address_or_customer_given_as_a_string_and_a_phone_as_a_number_are_named_by_their_kind_only()
    {
        var order = Edited("shopify/rest_2024-04_order_get.json", n =>
        {
            n["order"]!["shipping_address"] = "Bob Norman, Chestnut Street 92, Louisville";
            n["order"]!["customer"] = "bob.norman@mail.example.com";
            n["order"]!["billing_address"]!["phone"] = 5024592181;
        });

        var reason = ReasonOf(new ShopifyAdapter("jsmith.myshopify.com", customerIds: CustomerIds).Map(order));

        Assert.Contains("shipping_address: expected an object, found a string", reason);
        Assert.Contains("customer: expected an object, found a string", reason);
        Assert.DoesNotContain("Norman", reason);
        Assert.DoesNotContain("Chestnut", reason);
    }

    [Fact]
    public void A_whole_payload_that_is_a_string_is_not_quoted()
    {
        var reason = ReasonOf(Assert.Single(RecordFormats.Read("woocommerce:example.com", "\"John Doe, 969 Market, john.doe@example.com\"", Domain.Orders.OrderRules.Default)));

        Assert.DoesNotContain("John", reason);
        Assert.DoesNotContain("969", reason);
    }

    [Fact]
    public async Task A_canonical_address_field_of_the_wrong_kind_is_named_by_its_kind_only()
    {
        const string line = "{\"externalId\":\"x-1\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A-1\",\"quantity\":1,\"unitPrice\":1.00}],"
            + "\"shippingAddress\":{\"name\":[\"Ann\",\"Example\"],\"phone\":4930123456,\"line1\":\"1 Elm Street\"}}";

        var reason = ReasonOf(Assert.Single(await ToListAsync(new CanonicalNdjsonAdapter().ReadAsync(new StringReader(line)))));

        Assert.Contains("shippingAddress.phone: expected a string, found a number", reason);
        Assert.DoesNotContain("4930123456", reason);
        Assert.DoesNotContain("Ann", reason);
    }

    [Fact]
    public async Task Csv_rows_of_one_order_that_disagree_on_a_name_street_phone_or_customer_are_not_quoted()
    {
        const string csv = """
            externalId,customerId,currency,sku,quantity,unitPrice,name,line1,phone,city
            o-1,ann@mail.example,EUR,A-1,1,1.00,Ann Example,1 Elm Street,+49 30 1234567,Berlin
            o-1,anne@mail.example,EUR,B-2,1,1.00,Anne Example,2 Elm Street,+49 30 7654321,Bonn
            """;

        var reason = ReasonOf(Assert.Single(await ToListAsync(new CanonicalCsvAdapter().ReadAsync(new StringReader(csv)))));

        Assert.Contains("line 3: name: differs from line 2", reason);
        Assert.Contains("line 3: city: 'Bonn' differs from 'Berlin' on line 2", reason); // the shipping facts stay quoted
        foreach (var value in new[] { "mail.example", "Example", "Elm Street", "1234567", "7654321" }) Assert.DoesNotContain(value, reason);
    }
}
