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
/// file is never read). While fed a file sits in <c>.processing/{channel}</c>; when every record was taken it moves, with
/// its per-record results, to <c>.done/{channel}</c>. A node that dies mid-file finds it in <c>.processing</c> on start and
/// feeds it again: records already taken answer as duplicates, so nothing is missed or doubled. A file with records the
/// engine could not take waits there and is fed again later (backing off), while other files go ahead; a file that cannot
/// be read on (not UTF-8) moves to <c>.failed/{channel}</c> with the reason beside it. One node per inbox folder.
/// A fed file holds personal data in clear: once every record of it was taken only its results are kept (unless
/// <see cref="InboxOptions.KeepFedFiles"/>), and a failed file is deleted after <see cref="InboxOptions.FailedFileRetention"/>
/// (<see cref="InboxRetention"/>, at start and every hour).
/// </summary>
public sealed class InboxWatcher : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan SweepEvery = TimeSpan.FromHours(1);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    /// <summary>What became of one round: no file to feed, or a file fed completely, partly, or not readable.</summary>
    private sealed record Round(string? File, bool Complete, long Records, string? Failure);

    private readonly string _root;
    private readonly FeedIntake _feed;
    private readonly TimeSpan _pollInterval;
    private readonly InboxOptions _options;
    private readonly TimeProvider _clock;
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, (DateTime NotBefore, int Attempts)> _retry = new(StringComparer.Ordinal);
    private bool _busy;

    public InboxWatcher(string root, FeedIntake feed, InboxOptions options, TimeProvider clock)
    {
        _root = Path.GetFullPath(root);
        _feed = feed;
        _options = options;
        _clock = clock;
        var pollInterval = _pollInterval = options.PollInterval;
        Receive<Tick>(_ =>
        {
            if (_busy) return;
            _busy = true;
            var waiting = _retry.Where(r => r.Value.NotBefore > DateTime.UtcNow).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            var now = _clock.GetUtcNow();
            var sweep = now >= _nextSweep;
            if (sweep) _nextSweep = now + SweepEvery;
            // Listing and moving files is I/O: it runs off the actor's thread, like the feed itself.
            Task.Run(() =>
            {
                if (sweep) InboxRetention.Sweep(_root, _options, now);
                return RoundAsync(waiting);
            }).PipeTo(Self, failure: e => new Status.Failure(e));
        });
        Receive<Round>(round =>
        {
            _busy = false;
            if (round.File is null) return;
            if (round.Failure is not null)
            {
                _retry.Remove(round.File);
                _log.Error("inbox: {0} could not be read on after {1} records ({2}); moved to .failed", round.File, round.Records, round.Failure);
            }
            else if (round.Complete)
            {
                _retry.Remove(round.File);
                _log.Info("inbox: fed {0} ({1} records)", round.File, round.Records);
            }
            else
            {
                var attempts = _retry.TryGetValue(round.File, out var r) ? r.Attempts + 1 : 1;
                var wait = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, _pollInterval.Ticks * (1L << Math.Min(attempts, 16))));
                _retry[round.File] = (DateTime.UtcNow + wait, attempts);
                _log.Warning("inbox: {0} had records the engine did not take; it is fed again in {1} (attempt {2})", round.File, wait, attempts);
            }
            Self.Tell(Tick.Instance);
        });
        Receive<Status.Failure>(f =>
        {
            _busy = false;
            _log.Error(f.Cause, "inbox: a round failed; it is tried again at the next poll");
        });
        Timers.StartPeriodicTimer("poll", Tick.Instance, TimeSpan.Zero, pollInterval);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string root, FeedIntake feed, InboxOptions options, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new InboxWatcher(root, feed, options, clock));

    private string Processing => Path.Combine(_root, ".processing");

    private async Task<Round> RoundAsync(IReadOnlySet<string> waiting)
    {
        if (Next(waiting) is not { } next) return new Round(null, true, 0, null);
        return await FeedAsync(next.Channel, next.File);
    }

    private (string Channel, string File)? Next(IReadOnlySet<string> waiting)
    {
        Directory.CreateDirectory(Processing);
        // A file left in .processing by a node that stopped mid-feed, or waiting to be fed again, goes first once due.
        foreach (var folder in Directory.EnumerateDirectories(Processing).Order(StringComparer.Ordinal))
        {
            var channel = Path.GetFileName(folder);
            if (!Identifiers.IsValidChannel(channel)) continue;
            foreach (var file in Directory.EnumerateFiles(folder).Where(IsFeed).Order(StringComparer.Ordinal))
                if (!waiting.Contains(file)) return (channel, file);
        }
        var oldest = Directory.EnumerateDirectories(_root)
            .Select(folder => (Channel: Path.GetFileName(folder), Folder: folder))
            .Where(f => !f.Channel.StartsWith('.') && IsChannelFolder(f.Folder, f.Channel))
            .SelectMany(f => new DirectoryInfo(f.Folder).EnumerateFiles().Where(file => IsFeed(file.FullName)).Select(file => (f.Channel, File: file)))
            .OrderBy(x => x.File.LastWriteTimeUtc).ThenBy(x => x.File.FullName, StringComparer.Ordinal);
        foreach (var (channel, file) in oldest)
        {
            var target = Path.Combine(Processing, channel, file.Name);
            if (File.Exists(target)) continue; // a file of that name is still being fed: this one waits its turn
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(file.FullName, target, overwrite: false);
            return (channel, target);
        }
        return null;
    }

    private bool IsChannelFolder(string folder, string channel)
    {
        if (Identifiers.IsValidChannel(channel)) return true;
        _log.Warning("inbox: folder {0} is not a channel name ({1}); its files are left alone", folder, Identifiers.ChannelRule);
        return false;
    }

    internal static bool IsFeed(string path) => RecordFormats.OfFileName(path) is not null && !path.EndsWith(".results.ndjson", StringComparison.Ordinal);

    private async Task<Round> FeedAsync(string channel, string file)
    {
        var name = Path.GetFileName(file);
        var results = file + ".results.ndjson";
        long records = 0;
        var complete = true;
        string? failure = null;
        var format = RecordFormats.OfFileName(file)!;
        await using (var output = new StreamWriter(results, append: false, new UTF8Encoding(false)))
        using (var reader = new StreamReader(file, StrictUtf8, detectEncodingFromByteOrderMarks: true))
        {
            try
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
            catch (FeedReadException e) when (e.InnerException is DecoderFallbackException or IOException)
            {
                failure = e.InnerException is DecoderFallbackException
                    ? "the file is not UTF-8 text: " + e.InnerException.Message
                    : e.InnerException!.Message;
            }
        }
        if (failure is null && !complete) return new Round(file, false, records, null);
        var stamp = _clock.GetUtcNow().UtcDateTime.ToString(InboxRetention.StampFormat, System.Globalization.CultureInfo.InvariantCulture);
        var target = Path.Combine(_root, failure is null ? ".done" : ".failed", channel);
        Directory.CreateDirectory(target);
        if (failure is not null)
            await File.WriteAllTextAsync(Path.Combine(target, $"{stamp}-{name}.error.txt"),
                $"{failure}\nThe {records} records before this point were answered (see the .results.ndjson file); the rest of the file was not read. " +
                "Fix the file and drop it in again: the records already taken answer as duplicates.\n");
        File.Move(results, Path.Combine(target, $"{stamp}-{name}.results.ndjson"), overwrite: true);
        // Every record taken: the journal and the quarantine hold them, sealed; the file is only a copy in clear.
        if (failure is null && !_options.KeepFedFiles) File.Delete(file);
        else File.Move(file, Path.Combine(target, $"{stamp}-{name}"), overwrite: true);
        return new Round(file, failure is null, records, failure);
    }
}
