using System.Text;

namespace OrderEngine.LoadTests.Core;

/// <summary>Which HTTP client carries the load requests (set-up, checks and reconciliation always use HttpClient).</summary>
public enum LoadClientKind
{
    /// <summary>The tool's own HTTP/1.1 keep-alive client over raw sockets (<see cref="RawHttp"/>): the default.</summary>
    Raw,

    /// <summary>.NET's <see cref="HttpClient"/> over a <see cref="SocketsHttpHandler"/> (<see cref="EngineHttp"/>).</summary>
    HttpClient,
}

/// <summary>Sends one load request and classifies the answer; never throws for an HTTP or transport failure.</summary>
public interface ILoadClient
{
    /// <param name="startTicks">The instant latency is measured from (the intended send time in the open loop).</param>
    Task<Outcome> SendAsync(LoadRequest request, long startTicks);
}

/// <summary>
/// Turns a status code and the first bytes of a body into an <see cref="Outcome"/>. Both clients call it, so the
/// choice of client cannot change how an answer is counted.
/// </summary>
public static class ResponseClassifier
{
    /// <summary>Body bytes a client keeps for classification and error samples (a problem body is far smaller).</summary>
    public const int KeptBodyBytes = 3584;

    private const int SampleChars = 600;
    private static readonly byte[] InsufficientStock = "InsufficientStock"u8.ToArray();
    private static readonly byte[] UnknownSku = "UnknownSku"u8.ToArray();

    public static Outcome Classify(int status, ReadOnlySpan<byte> body, long startTicks, long endTicks) => status switch
    {
        201 => new Outcome(OutcomeClass.Accepted, status, RefusalKind.None, startTicks, endTicks, null),
        // The body is kept only for refusals other than plain sell-outs, as a sample for the report.
        409 when ClassifyRefusal(body) is var kind => new Outcome(OutcomeClass.Refused, status, kind, startTicks, endTicks,
            kind == RefusalKind.InsufficientStock ? null : Sample(body)),
        _ => new Outcome(OutcomeClass.OtherStatus, status, RefusalKind.None, startTicks, endTicks, Sample(body)),
    };

    /// <summary>Why a 409 refused the order, by a byte search of its problem body (no deserialization).</summary>
    public static RefusalKind ClassifyRefusal(ReadOnlySpan<byte> body) =>
        body.IndexOf(InsufficientStock) >= 0 ? RefusalKind.InsufficientStock
        : body.IndexOf(UnknownSku) >= 0 ? RefusalKind.UnknownSku
        : RefusalKind.Other;

    private static string Sample(ReadOnlySpan<byte> body) => Encoding.UTF8.GetString(body[..Math.Min(body.Length, SampleChars)]);
}

/// <summary>Whether socket completions run inline on the socket engine's thread (set at start-up in Program.cs).</summary>
public static class InlineCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static bool Enabled => Environment.GetEnvironmentVariable(Variable) == "1";
}
