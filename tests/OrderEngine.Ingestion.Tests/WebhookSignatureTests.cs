using System.Text;
using System.Text.Json.Nodes;
using OrderEngine.Ingestion.Adapters;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

public sealed class WebhookSignatureTests
{
    private static (string Secret, string Body, string Header) Vector(string fixture)
    {
        var v = FixtureNode(fixture)["vectors"]![0]!;
        return ((string)v["secret"]!, (string)v["raw_body"]!, (string)v["expected_header_value"]!);
    }

    [Fact]
    public void Shopifys_published_vector_verifies()
    {
        var (secret, body, header) = Vector("shopify/webhook_hmac_test_vector.json");
        Assert.Equal("X-Shopify-Hmac-Sha256", (string)FixtureNode("shopify/webhook_hmac_test_vector.json")["header"]!);
        Assert.True(ShopifyWebhook.Verify(secret, body, header));
        Assert.True(ShopifyWebhook.Verify(secret, Encoding.UTF8.GetBytes(body), header));
    }

    [Fact]
    public void Shopify_refuses_a_tampered_body_a_wrong_secret_and_a_malformed_header()
    {
        var (secret, body, header) = Vector("shopify/webhook_hmac_test_vector.json");
        Assert.False(ShopifyWebhook.Verify(secret, body.Replace("bar", "baz"), header));
        Assert.False(ShopifyWebhook.Verify(secret, body + " ", header));
        Assert.False(ShopifyWebhook.Verify(secret + "x", body, header));
        Assert.False(ShopifyWebhook.Verify(secret, body, header[..^4] + "AAA="));
        Assert.False(ShopifyWebhook.Verify(secret, body, "not base64!"));
        Assert.False(ShopifyWebhook.Verify(secret, body, Convert.ToBase64String(new byte[16])));
        Assert.False(ShopifyWebhook.Verify(secret, body, ""));
        Assert.False(ShopifyWebhook.Verify(secret, body, null));
    }

    [Fact]
    public void Shopify_verification_without_a_secret_is_a_configuration_error()
    {
        Assert.Throws<ArgumentException>(() => ShopifyWebhook.Verify("", "{}", "x"));
    }

    [Fact]
    public void WooCommerces_published_vector_verifies()
    {
        var (secret, body, header) = Vector("woocommerce/webhook_signature_test_vector.json");
        Assert.Equal("", secret);
        Assert.True(WooCommerceWebhook.Verify(secret, body, header));
    }

    [Fact]
    public void WooCommerce_refuses_a_tampered_body_and_a_wrong_secret()
    {
        var (secret, body, header) = Vector("woocommerce/webhook_signature_test_vector.json");
        Assert.False(WooCommerceWebhook.Verify(secret, body + "!", header));
        Assert.False(WooCommerceWebhook.Verify("secret", body, header));
        Assert.False(WooCommerceWebhook.Verify(secret, body, null));
    }

    [Fact]
    public void A_signed_order_body_verifies_only_byte_for_byte()
    {
        // A real order body signed with the vector's secret: re-serialising it (as a JSON library would) breaks the signature.
        var (secret, _, _) = Vector("shopify/webhook_hmac_test_vector.json");
        var raw = File.ReadAllBytes(FixturePath("shopify/rest_2024-04_order_get.json"));
        var header = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), raw));

        Assert.True(ShopifyWebhook.Verify(secret, raw, header));
        var reserialised = Encoding.UTF8.GetBytes(JsonNode.Parse(raw)!.ToJsonString());
        Assert.False(ShopifyWebhook.Verify(secret, reserialised, header));
    }
}
