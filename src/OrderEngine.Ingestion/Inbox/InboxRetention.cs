using System.Globalization;
using OrderEngine.Ingestion.Channels;

namespace OrderEngine.Ingestion.Inbox;

/// <summary>
/// What the inbox folder keeps of fed files, which hold customers' names, addresses and emails in clear:
/// <list type="bullet">
/// <item><c>.done/{channel}</c>: a file every record of which was taken holds only copies (the journal has them, sealed;
/// bad records are in the quarantine, sealed), so it is deleted unless <see cref="InboxOptions.KeepFedFiles"/>; its
/// <c>.results.ndjson</c> (outcomes, ids and reasons, no personal value) stays. Files an earlier version kept there go
/// the same way.</item>
/// <item><c>.failed/{channel}</c>: a file that could not be read on holds records after the bad bytes that were never
/// taken in, for the operator to fix and drop again, so it is kept readable, and deleted
/// <see cref="InboxOptions.FailedFileRetention"/> after it failed (the time in its name); its <c>.error.txt</c> and
/// results stay.</item>
/// <item><c>.processing</c> is never touched: those files are fed again.</item>
/// </list>
/// </summary>
public static class InboxRetention
{
    /// <summary>The stamp a fed file's name starts with in <c>.done</c> and <c>.failed</c> (UTC), then <c>-</c>.</summary>
    public const string StampFormat = "yyyyMMddTHHmmssfff";

    /// <summary>Applies the retention once; answers how many files it deleted. Never throws for one file it cannot delete.</summary>
    public static int Sweep(string root, InboxOptions options, DateTimeOffset now)
    {
        var deleted = 0;
        if (!options.KeepFedFiles)
            foreach (var file in FedFiles(Path.Combine(root, ".done")))
                deleted += TryDelete(file);
        var cutoff = now - (options.FailedFileRetention < TimeSpan.Zero ? TimeSpan.Zero : options.FailedFileRetention);
        foreach (var file in FedFiles(Path.Combine(root, ".failed")))
            if (FailedAt(Path.GetFileName(file)) is { } failedAt && failedAt <= cutoff)
                deleted += TryDelete(file);
        return deleted;
    }

    /// <summary>When a file was moved to <c>.done</c> or <c>.failed</c>, from its name; null for a name without the stamp.</summary>
    public static DateTimeOffset? FailedAt(string fileName) =>
        fileName.Length > StampFormat.Length && fileName[StampFormat.Length] == '-'
        && DateTime.TryParseExact(fileName[..StampFormat.Length], StampFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? new DateTimeOffset(at, TimeSpan.Zero)
            : null;

    /// <summary>The feed files (not results, not error texts) under a folder's channel folders.</summary>
    private static IEnumerable<string> FedFiles(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateDirectories(folder).SelectMany(Directory.EnumerateFiles).Where(InboxWatcher.IsFeed).ToList()
            : [];

    private static int TryDelete(string file)
    {
        try
        {
            File.Delete(file);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // tried again at the next sweep
        }
    }
}
