using OrderEngine.Ingestion.Channels;
using OrderEngine.Ingestion.Inbox;
using OrderEngine.Testing;

namespace OrderEngine.Ingestion.Tests.Inbox;

/// <summary>
/// What the inbox keeps of fed files (personal data in clear): a completed file goes (its results stay) unless
/// KeepFedFiles; a failed file goes after FailedFileRetention, counted from the time in its name; .processing is never touched.
/// </summary>
public sealed class InboxRetentionTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _inbox = new();

    public void Dispose() => _inbox.Dispose();

    private string Put(string folder, string name)
    {
        var path = Path.Combine(_inbox.Path, folder, "store", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{\"externalId\":\"x\",\"shippingAddress\":{\"name\":\"Ann Example\"}}\n");
        return path;
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString(InboxRetention.StampFormat, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Completed_files_go_and_failed_ones_after_the_retention_while_results_errors_and_processing_files_stay()
    {
        var done = Put(".done", $"{Stamp(Now.AddDays(-1))}-a.ndjson");
        var doneCsv = Put(".done", $"{Stamp(Now.AddMinutes(-1))}-b.csv");
        var doneResults = Put(".done", $"{Stamp(Now.AddDays(-1))}-a.ndjson.results.ndjson");
        var oldFailed = Put(".failed", $"{Stamp(Now.AddDays(-31))}-c.ndjson");
        var oldError = Put(".failed", $"{Stamp(Now.AddDays(-31))}-c.ndjson.error.txt");
        var oldResults = Put(".failed", $"{Stamp(Now.AddDays(-31))}-c.ndjson.results.ndjson");
        var recentFailed = Put(".failed", $"{Stamp(Now.AddDays(-29))}-d.ndjson");
        var unstamped = Put(".failed", "e.ndjson"); // not one the watcher put there: left alone
        var processing = Put(".processing", "f.ndjson");

        var deleted = InboxRetention.Sweep(_inbox.Path, new InboxOptions(), Now);

        Assert.Equal(3, deleted);
        Assert.False(File.Exists(done));
        Assert.False(File.Exists(doneCsv));
        Assert.False(File.Exists(oldFailed));
        foreach (var kept in new[] { doneResults, oldError, oldResults, recentFailed, unstamped, processing }) Assert.True(File.Exists(kept), kept);
    }

    [Fact]
    public void With_KeepFedFiles_completed_files_stay()
    {
        var done = Put(".done", $"{Stamp(Now.AddDays(-400))}-a.ndjson");

        InboxRetention.Sweep(_inbox.Path, new InboxOptions { KeepFedFiles = true }, Now);

        Assert.True(File.Exists(done));
    }

    [Fact]
    public void A_failed_file_retention_of_zero_deletes_failed_files_at_once()
    {
        var failed = Put(".failed", $"{Stamp(Now)}-a.ndjson");

        InboxRetention.Sweep(_inbox.Path, new InboxOptions { FailedFileRetention = TimeSpan.Zero }, Now);

        Assert.False(File.Exists(failed));
    }
}
