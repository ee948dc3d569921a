using System.Globalization;

namespace OrderEngine.LoadTests.Cli;

/// <summary>
/// A small `--name value` / `--name=value` parser. Every option a command reads is marked as used, so a misspelt
/// option is reported instead of silently ignored.
/// </summary>
public sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Positional { get; }

    public Args(IEnumerable<string> args)
    {
        var positional = new List<string>();
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(a);
                continue;
            }
            var eq = a.IndexOf('=');
            if (eq > 0)
            {
                _values[a[2..eq]] = a[(eq + 1)..];
            }
            else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                _values[a[2..]] = list[++i];
            }
            else
            {
                _values[a[2..]] = "true"; // a flag
            }
        }
        Positional = positional;
    }

    public bool Has(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    public string? Raw(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) ? v : null;
    }

    public string String(string name, string fallback) => Raw(name) ?? fallback;

    public bool Flag(string name) => Raw(name) is { } v && v is not ("false" or "0" or "no");

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var raw = Raw(name);
        if (raw is null) return fallback;
        if (!int.TryParse(raw.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new UsageException($"--{name}: '{raw}' is not a whole number");
        if (v < min || v > max) throw new UsageException($"--{name}: {v} is outside {min}..{max}");
        return v;
    }

    public long Long(string name, long fallback, long min = long.MinValue, long max = long.MaxValue)
    {
        var raw = Raw(name);
        if (raw is null) return fallback;
        if (!long.TryParse(raw.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new UsageException($"--{name}: '{raw}' is not a whole number");
        if (v < min || v > max) throw new UsageException($"--{name}: {v} is outside {min}..{max}");
        return v;
    }

    public double Double(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        var raw = Raw(name);
        if (raw is null) return fallback;
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || double.IsNaN(v))
            throw new UsageException($"--{name}: '{raw}' is not a number");
        if (v < min || v > max) throw new UsageException($"--{name}: {v} is outside {min}..{max}");
        return v;
    }

    /// <summary>A duration: 20s, 500ms, 2m, 1h, or a plain number of seconds.</summary>
    public TimeSpan? Duration(string name)
    {
        var raw = Raw(name);
        return raw is null ? null : ParseDuration(name, raw);
    }

    public TimeSpan Duration(string name, TimeSpan fallback) => Duration(name) ?? fallback;

    public static TimeSpan ParseDuration(string name, string raw)
    {
        var s = raw.Trim();
        (string number, double factor) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.Ordinal) => (s[..^2], 0.001),
            _ when s.EndsWith('s') => (s[..^1], 1.0),
            _ when s.EndsWith('m') => (s[..^1], 60.0),
            _ when s.EndsWith('h') => (s[..^1], 3600.0),
            _ => (s, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0 || double.IsNaN(v) || double.IsInfinity(v))
            throw new UsageException($"--{name}: '{raw}' is not a duration (e.g. 20s, 500ms, 2m)");
        return TimeSpan.FromSeconds(v * factor);
    }

    /// <summary>Throws if an option was given that no code asked for (a typo, or an option of another scenario).</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            throw new UsageException("unknown option(s) for this scenario: " + string.Join(", ", unknown.Select(k => "--" + k)));
    }

    /// <summary>Every option as given, for the report.</summary>
    public IReadOnlyDictionary<string, string> All => _values;
}

public sealed class UsageException(string message) : Exception(message);
