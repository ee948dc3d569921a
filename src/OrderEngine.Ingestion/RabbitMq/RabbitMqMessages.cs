using System.Text;
using System.Text.Json;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Domain.Orders;
using OrderEngine.Ingestion.Adapters;
using OrderEngine.Ingestion.Channels;
using OrderEngine.Ingestion.Intake;

namespace OrderEngine.Ingestion.RabbitMq;

/// <summary>
/// Turns one RabbitMQ message body into the intake records it carries. Never throws for a bad body: a message that cannot
/// be read at all becomes one <see cref="Refused"/> record, so it is quarantined with its reason and then acknowledged.
/// </summary>
public static class RabbitMqMessages
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The source a queue's records are stored under, <c>rabbitmq:{queue}</c>. A '/' in the queue name is escaped
    /// (<c>%2F</c>, and '%' as <c>%25</c>), because a stored source is split at its first '/' into origin and format.
    /// </summary>
    public static IntakeSource SourceOf(string queue, string format) =>
        new("rabbitmq:" + queue.Replace("%", "%25", StringComparison.Ordinal).Replace("/", "%2F", StringComparison.Ordinal), format);

    /// <summary>The records of one message body, at least one.</summary>
    public static IReadOnlyList<IntakeRecord> Records(string channel, IntakeSource source, ReadOnlySpan<byte> body, OrderRules rules,
        CustomerIdPseudonymizer? customerIds = null)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException e)
        {
            // Kept as well as it can be shown; the reason says the stored payload is not the exact bytes.
            return [Poison(channel, source, Encoding.UTF8.GetString(body), $"the message body is not UTF-8 text ({e.Message})")];
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        if (string.IsNullOrWhiteSpace(text)) return [Poison(channel, source, text, "the message body is empty")];
        if (source.Format == RecordFormats.Ndjson)
        {
            text = OneLine(text, out var malformed);
            // One JSON document spread over lines but broken: read line by line it would fall apart into fragments
            // ("{", "\"externalId\": …") that no one can retry, so the message is kept whole with the parser's reason.
            if (malformed is not null) return [Poison(channel, source, text, "not valid JSON: " + malformed)];
        }

        IReadOnlyList<AdapterResult> results;
        try
        {
            results = RecordFormats.Read(source.Format, text, rules, channel, customerIds);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Adapters do not throw for bad data; this is a defect, and the message is kept in quarantine rather than lost or looping.
            return [Poison(channel, source, text, $"the message could not be read as {source.Format}: {e.Message}")];
        }
        if (results.Count == 0) return [Poison(channel, source, text, $"the message holds no order (read as {source.Format})")];
        return results.Select(r => new IntakeRecord(channel, source, r, r.Raw ?? text)).ToList();
    }

    /// <summary>
    /// A queue's <c>ndjson</c> message is normally one order, and publishers often pretty-print it; read line by line it
    /// would fall apart into bad records. A body that is one JSON value is therefore put on one line first. Line breaks in
    /// valid JSON are only ever whitespace between tokens (a string cannot hold a raw one), so nothing else changes. A
    /// body of several JSON lines is NDJSON proper and is read as it is, one record per line.
    /// </summary>
    private static string OneLine(string text, out string? malformed)
    {
        malformed = null;
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IndexOfAny('\r', '\n') < 0) return text;
        try
        {
            using var _ = JsonDocument.Parse(text);
        }
        catch (JsonException whole)
        {
            // NDJSON proper has a complete value on its first line; a broken pretty-printed document does not.
            if (!IsJson(FirstLine(text))) malformed = whole.Message;
            return text;
        }
        return text.Trim().Replace("\r\n", " ", StringComparison.Ordinal).Replace('\r', ' ').Replace('\n', ' ');
    }

    private static string FirstLine(string text)
    {
        foreach (var line in text.Split('\n'))
            if (!string.IsNullOrWhiteSpace(line)) return line;
        return "";
    }

    private static bool IsJson(string line)
    {
        try
        {
            using var _ = JsonDocument.Parse(line);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static IntakeRecord Poison(string channel, IntakeSource source, string raw, string reason) =>
        new(channel, source, new Refused(null, reason) { Raw = raw }, raw);
}
