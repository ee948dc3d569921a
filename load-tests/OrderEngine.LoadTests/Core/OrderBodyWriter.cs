using System.Buffers;
using System.Text.Json;

namespace OrderEngine.LoadTests.Core;

/// <summary>
/// Writes POST /api/orders bodies straight to UTF-8 with a reused <see cref="Utf8JsonWriter"/>: no reflection, no
/// intermediate objects. Property names are pre-encoded once. One instance per request source (not thread-safe).
/// </summary>
public sealed class OrderBodyWriter
{
    private static readonly JsonEncodedText ExternalIdName = JsonEncodedText.Encode("externalId");
    private static readonly JsonEncodedText ChannelName = JsonEncodedText.Encode("channel");
    private static readonly JsonEncodedText CustomerIdName = JsonEncodedText.Encode("customerId");
    private static readonly JsonEncodedText CurrencyName = JsonEncodedText.Encode("currency");
    private static readonly JsonEncodedText LinesName = JsonEncodedText.Encode("lines");
    private static readonly JsonEncodedText SkuName = JsonEncodedText.Encode("sku");
    private static readonly JsonEncodedText QuantityName = JsonEncodedText.Encode("quantity");
    private static readonly JsonEncodedText UnitPriceName = JsonEncodedText.Encode("unitPrice");
    private static readonly JsonEncodedText Eur = JsonEncodedText.Encode("EUR");
    private static readonly JsonEncodedText ShippingAddressName = JsonEncodedText.Encode("shippingAddress");

    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _writer;
    private readonly JsonEncodedText _channel;

    public OrderBodyWriter(string channel)
    {
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
        _channel = JsonEncodedText.Encode(channel);
    }

    /// <summary>
    /// Orders carry a shipping address with a name, street and phone (personal data the engine seals per customer) and
    /// a city, postal code and country.
    /// </summary>
    public bool WithAddress { get; init; }

    /// <summary>The body of one order; <paramref name="priceCents"/> gives each line's unit price in cents.</summary>
    public byte[] Write(string customerId, ReadOnlySpan<OrderLine> lines, ReadOnlySpan<int> priceCents, SkuCatalog catalog)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        WriteOrder(_writer, _channel, null, customerId, lines, priceCents, catalog, WithAddress);
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Writes one order object (the POST /api/orders body, or a feed record when <paramref name="externalId"/> is given)
    /// to <paramref name="writer"/>; the caller flushes.
    /// </summary>
    public static void WriteOrder(Utf8JsonWriter writer, JsonEncodedText channel, string? externalId, string customerId,
        ReadOnlySpan<OrderLine> lines, ReadOnlySpan<int> priceCents, SkuCatalog catalog, bool withAddress = false)
    {
        writer.WriteStartObject();
        if (externalId is not null) writer.WriteString(ExternalIdName, externalId);
        writer.WriteString(ChannelName, channel);
        writer.WriteString(CustomerIdName, customerId);
        writer.WriteString(CurrencyName, Eur);
        writer.WriteStartArray(LinesName);
        for (var i = 0; i < lines.Length; i++)
        {
            writer.WriteStartObject();
            writer.WriteString(SkuName, catalog.Name(lines[i].Sku));
            writer.WriteNumber(QuantityName, lines[i].Quantity);
            writer.WriteNumber(UnitPriceName, new decimal(priceCents[i], 0, 0, false, 2));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        if (withAddress)
        {
            writer.WriteStartObject(ShippingAddressName);
            writer.WriteString("name", "Load Buyer " + customerId);
            writer.WriteString("line1", "1 Benchmark Street");
            writer.WriteString("city", "Berlin");
            writer.WriteString("postalCode", "10115");
            writer.WriteString("country", "DE");
            writer.WriteString("phone", "+49 30 0000 0000");
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }
}
