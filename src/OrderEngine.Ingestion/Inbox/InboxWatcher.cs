using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using OrderEngine.Domain;
using OrderEngine.Ingestion.Channels;
using OrderEngine.Ingestion.Intake;

namespace OrderEngine.Ingestion.Inbox;

/// <summary>
/// Watches the inbox folder and feeds each file dropped there through the intake pipeline, one file at a time, oldest
/// first. Files go in as <c>{inbox}/{channel}/{name}.ndjson|.jsonl|.csv</c> (write elsewhere and move in, so a half-written
/// file is never read). While fed a file sits in <c>.processing</c>; when every record was taken it moves, with its
/// per-record results, to <c>.done/{channel}</c>. A node that dies mid-file finds it in <c>.processing</c> on start and
/// feeds it again: records already taken answer as duplicates, so nothing is missed or doubled.
/// </summary>
public sealed class InboxWatcher : ReceiveActor, IWithTimers
{
    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record FileDone(string File, bool Complete, long Records);

    private readonly string _root;
    private readonly FeedIntake _feed;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _busy;

    public InboxWatcher(string root, FeedIntake feed, TimeSpan pollInterval)
    {
        _root = Path.GetFullPath(root);
        _feed = feed;
        Receive<Tick>(_ =>
        {
            if (_busy || Next() is not { } next) return;
            _busy = true;
            var self = Self;
            FeedAsync(next.Channel, next.File).PipeTo(self, failure: e => new Status.Failure(e));
        });
        Receive<FileDone>(done =>
        {
            _busy = false;
            if (done.Complete) _log.Info("inbox: fed {0} ({1} records)", done.File, done.Records);
            else _log.Warning("inbox: {0} had records the engine did not take; it will be fed again", done.File);
            Self.Tell(Tick.Instance);
        });
        Receive<Status.Failure>(f =>
        {
            _busy = false;
            _log.Error(f.Cause, "inbox: a file could not be fed; it will be tried again");
        });
        Timers.StartPeriodicTimer("poll", Tick.Instance, TimeSpan.Zero, pollInterval);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string root, FeedIntake feed, TimeSpan pollInterval) =>
        Akka.Actor.Props.Create(() => new InboxWatcher(root, feed, pollInterval));

    private string Processing => Path.Combine(_root, ".processing");

    private (string Channel, string File)? Next()
    {
        Directory.CreateDirectory(Processing);
        // A file left in .processing by a node that stopped mid-feed goes first.
        foreach (var file in Directory.EnumerateFiles(Processing).Where(IsFeed).Order(StringComparer.Ordinal))
            if (ChannelOfProcessing(file) is { } channel) return (channel, file);
        foreach (var folder in Directory.EnumerateDirectories(_root).Order(StringComparer.Ordinal))
        {
            var channel = Path.GetFileName(folder);
            if (channel.StartsWith('.')) continue;
            if (!Identifiers.IsValidChannel(channel))
            {
                _log.Warning("inbox: folder {0} is not a channel name ({1}); its files are left alone", folder, Identifiers.ChannelRule);
                continue;
            }
            var file = new DirectoryInfo(folder).EnumerateFiles().Where(f => IsFeed(f.FullName)).OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).FirstOrDefault();
            if (file is null) continue;
            var target = Path.Combine(Processing, channel + "__" + file.Name);
            File.Move(file.FullName, target, overwrite: false);
            return (channel, target);
        }
        return null;
    }

    private static bool IsFeed(string path) => RecordFormats.OfFileName(path) is not null && !path.EndsWith(".results.ndjson", StringComparison.Ordinal);

    private static string? ChannelOfProcessing(string file)
    {
        var name = Path.GetFileName(file);
        var cut = name.IndexOf("__", StringComparison.Ordinal);
        return cut > 0 && Identifiers.IsValidChannel(name[..cut]) ? name[..cut] : null;
    }

    private async Task<FileDone> FeedAsync(string channel, string file)
    {
        var name = Path.GetFileName(file)[(channel.Length + 2)..];
        var results = file + ".results.ndjson";
        long records = 0;
        var complete = true;
        var format = RecordFormats.OfFileName(file)!;
        await using (var output = new StreamWriter(results, append: false, new UTF8Encoding(false)))
        using (var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        {
            await _feed.RunAsync(channel, new IntakeSource("inbox", format), reader, async batch =>
            {
                foreach (var outcome in batch)
                {
                    records++;
                    complete &= outcome.Taken;
                    await output.WriteLineAsync(JsonSerializer.Serialize(outcome, IntakeJson.Options));
                }
                await output.FlushAsync();
            }, CancellationToken.None);
        }
        if (!complete) return new FileDone(file, false, records);
        var done = Path.Combine(_root, ".done", channel);
        Directory.CreateDirectory(done);
        var stamp = DateTime.UtcNow.ToString("yyyyMMddTHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
        File.Move(results, Path.Combine(done, $"{stamp}-{name}.results.ndjson"), overwrite: true);
        File.Move(file, Path.Combine(done, $"{stamp}-{name}"), overwrite: true);
        return new FileDone(name, true, records);
    }
}
