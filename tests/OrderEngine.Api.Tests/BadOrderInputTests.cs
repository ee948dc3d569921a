using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OrderEngine.Domain;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>POST /api/orders with bad input: each is a 4xx problem and neither an order nor any stock changes.</summary>
public sealed class BadOrderInputTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private const int OnHand = 100;
    private readonly HttpClient _client = engine.Client;
    private readonly List<(string Sku, string Key)> _pending = [];

    private static string Valid(string sku, string extra = "") =>
        $$"""{"channel":"web","customerId":"customer-1","currency":"EUR",{{extra}}"lines":[{"sku":"{{sku}}","quantity":2,"unitPrice":1.50}]}""";

    /// <summary>An unknown member that makes an otherwise valid body larger than 64 KiB.</summary>
    private static readonly string Padding = "\"padding\":\"" + new string('x', 70 * 1024) + "\",";

    private static string WithLine(string sku, string quantity = "2", string unitPrice = "1.50", string currency = "EUR") =>
        $$"""{"channel":"web","customerId":"customer-1","currency":"{{currency}}","lines":[{"sku":"{{sku}}","quantity":{{quantity}},"unitPrice":{{unitPrice}}}]}""";

    /// <summary>Sends the bad request for a stocked SKU under a fresh key, then proves nothing changed.</summary>
    private async Task<HttpResponseMessage> SendBad(string name, Func<string, HttpContent> content, string? key = null)
    {
        var sku = Sku(name);
        await _client.SetStock(sku, OnHand);
        key ??= NewKey();
        var response = await _client.PlaceOrder(key, content(sku));
        _pending.Add((sku, key));
        return response;
    }

    private async Task AssertNothingChanged()
    {
        foreach (var (sku, key) in _pending)
        {
            Assert.Equal(new StockFigures(sku, OnHand, 0, 0, OnHand), await _client.Stock(sku));
            await _client.AssertNoOrder(Identifiers.OrderIdFromIdempotencyKey(key));
        }
    }

    [Fact]
    public async Task A_misspelt_optional_field_is_a_400_problem_naming_it_and_changes_nothing()
    {
        // "paymentMetod": read leniently, the order would be placed as card instead of cash on delivery.
        using var response = await SendBad("unknown-field", sku => Json(Valid(sku, "\"paymentMetod\":\"cashOnDelivery\",")));

        var problem = await AssertValidationProblem(response, "paymentMetod");
        Assert.StartsWith("unknown field; ", problem.GetProperty("errors").GetProperty("paymentMetod")[0].GetString());
        Assert.Contains("paymentMethod", problem.GetProperty("errors").GetProperty("paymentMetod")[0].GetString());
        await AssertNothingChanged();
    }

    [Fact]
    public async Task A_client_sent_total_is_refused_as_an_unknown_field_and_changes_nothing()
    {
        // Totals are never taken from the client: the engine computes them from lines and charges.
        using var response = await SendBad("client-total", sku => Json(Valid(sku, "\"total\":0.01,")));

        await AssertValidationProblem(response, "total");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task Unknown_fields_inside_lines_address_and_charges_are_named_by_their_path()
    {
        using var response = await SendBad("unknown-nested", sku => Json($$$"""
            {"channel":"web","customerId":"customer-1","currency":"EUR",
             "lines":[{"sku":"{{{sku}}}","quantity":2,"unitPrice":1.50,"discount":0.5}],
             "shippingAddress":{"name":"Ada","zip":"10115","country":"DE"},
             "charges":{"shiping":4.90,"tax":0,"discount":0}}
            """));

        await AssertValidationProblem(response, "lines[0].discount", "shippingAddress.zip", "charges.shiping");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task Field_names_still_match_case_insensitively_as_before()
    {
        var sku = Sku("case-insensitive");
        await _client.SetStock(sku, OnHand);
        using var response = await _client.PlaceOrder(NewKey(), Json($$"""{"Channel":"web","CUSTOMERID":"customer-1","currency":"EUR","Lines":[{"SKU":"{{sku}}","quantity":1,"unitPrice":1.50}]}"""));
        await ExpectStatus(response, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_and_changes_nothing()
    {
        using var response = await SendBad("malformed", sku => Json($$"""{"channel":"web","lines":[{"sku":"{{sku}}","quantity":2"""));

        await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-request");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task A_value_of_the_wrong_json_type_is_a_400_problem_naming_the_field_and_changes_nothing()
    {
        using var response = await SendBad("wrong-type", sku => Json(WithLine(sku, quantity: "\"two\"")));

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-request");
        Assert.Contains("quantity", problem.GetProperty("detail").GetString());
        await AssertNothingChanged();
    }

    [Fact]
    public async Task Lines_that_are_not_an_array_are_a_400_problem_and_change_nothing()
    {
        using var response = await SendBad("lines-string", _ => Json("""{"channel":"web","customerId":"customer-1","currency":"EUR","lines":"two please"}"""));

        await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-request");
        await AssertNothingChanged();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("10001")]
    public async Task A_quantity_outside_1_to_10000_is_a_validation_problem_and_changes_nothing(string quantity)
    {
        using var response = await SendBad("quantity", sku => Json(WithLine(sku, quantity: quantity)));

        await AssertValidationProblem(response, "lines[0].quantity");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task A_quantity_that_overflows_an_int_is_a_400_problem_naming_the_field_and_changes_nothing()
    {
        using var response = await SendBad("overflow", sku => Json(WithLine(sku, quantity: "99999999999")));

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-request", "invalid");
        Assert.Contains("quantity", problem.ToString());
        await AssertNothingChanged();
    }

    [Fact]
    public async Task A_negative_unit_price_is_a_validation_problem_and_changes_nothing()
    {
        using var response = await SendBad("negative-price", sku => Json(WithLine(sku, unitPrice: "-1.00")));

        await AssertValidationProblem(response, "lines[0].unitPrice");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task A_unit_price_with_three_decimals_in_EUR_is_a_validation_problem_and_changes_nothing()
    {
        using var response = await SendBad("three-decimals", sku => Json(WithLine(sku, unitPrice: "1.005")));

        await AssertValidationProblem(response, "lines[0].unitPrice");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task An_empty_lines_array_is_a_validation_problem_and_changes_nothing()
    {
        using var response = await SendBad("empty-lines", _ => Json("""{"channel":"web","customerId":"customer-1","currency":"EUR","lines":[]}"""));

        await AssertValidationProblem(response, "lines");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task Missing_lines_are_a_validation_problem_and_change_nothing()
    {
        using var response = await SendBad("missing-lines", _ => Json("""{"channel":"web","customerId":"customer-1","currency":"EUR"}"""));

        await AssertValidationProblem(response, "lines");
        await AssertNothingChanged();
    }

    [Theory]
    [InlineData("EUx")]
    [InlineData("eur")]
    public async Task A_currency_that_is_not_an_upper_case_ISO_4217_code_is_a_validation_problem_and_changes_nothing(string currency)
    {
        using var response = await SendBad("currency", sku => Json(WithLine(sku, currency: currency)));

        await AssertValidationProblem(response, "currency");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task A_sku_ordered_over_its_limit_across_its_lines_is_a_validation_problem_and_changes_nothing()
    {
        // A SKU may be on several lines; the per-line quantity limit holds for its units over all of them.
        using var response = await SendBad("duplicate", sku => Json(
            $$"""{"channel":"web","customerId":"customer-1","currency":"EUR","lines":[{"sku":"{{sku}}","quantity":6000,"unitPrice":1.50},{"sku":"{{sku}}","quantity":5000,"unitPrice":1.00}]}"""));

        await AssertValidationProblem(response, "lines[1].quantity");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task A_body_over_64_KiB_with_content_length_is_a_413_problem_and_changes_nothing()
    {
        HttpContent? sent = null;
        using var response = await SendBad("too-large", sku =>
            sent = Json(Valid(sku, Padding)));

        Assert.NotNull(sent!.Headers.ContentLength);
        Assert.True(sent.Headers.ContentLength > 64 * 1024);
        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task A_chunked_body_over_64_KiB_without_content_length_is_a_413_problem_and_changes_nothing()
    {
        HttpContent? sent = null;
        using var response = await SendBad("too-large-chunked", sku =>
        {
            var bytes = Encoding.UTF8.GetBytes(Valid(sku, Padding));
            var content = new StreamContent(new UnseekableStream(bytes));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return sent = content;
        });

        Assert.Null(sent!.Headers.ContentLength);
        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task A_chunked_body_under_the_limit_is_accepted()
    {
        // The counterpart of the test above: streaming a body is not itself what is refused.
        var sku = Sku("small-chunked");
        await _client.SetStock(sku, OnHand);
        var content = new StreamContent(new UnseekableStream(Encoding.UTF8.GetBytes(Valid(sku))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _client.PlaceOrder(NewKey(), content);

        await ExpectStatus(response, HttpStatusCode.Created);
        Assert.Equal(2, (await _client.Stock(sku)).Reserved);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415_problem_and_changes_nothing()
    {
        using var response = await SendBad("text-plain", sku => new StringContent(Valid(sku), Encoding.UTF8, "text/plain"));

        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task An_idempotency_key_longer_than_255_characters_is_a_validation_problem_and_changes_nothing()
    {
        using var response = await SendBad("long-key", sku => Json(Valid(sku)), key: new string('k', 256));

        await AssertValidationProblem(response, "Idempotency-Key");
        await AssertNothingChanged();
    }

    [Fact]
    public async Task An_idempotency_key_of_exactly_255_characters_is_accepted()
    {
        var sku = Sku("key-255");
        await _client.SetStock(sku, OnHand);

        using var response = await _client.PlaceOrder(new string('k', 255 - 32) + Guid.NewGuid().ToString("N"), Json(Valid(sku)));

        await ExpectStatus(response, HttpStatusCode.Created);
    }

    /// <summary>A read-only stream that cannot report its length, so HttpClient sends the body without Content-Length.</summary>
    private sealed class UnseekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => _inner.ReadAsync(buffer, offset, count, ct);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => _inner.ReadAsync(buffer, ct);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
