namespace OrderEngine.Dashboard.Tests;

/// <summary>
/// A fact that needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver). Without them it
/// is skipped and says why, except under CI=true, where it runs (and fails): .ci/run installs both.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";
    public const string ChromeDriver = "/usr/bin/chromedriver";

    public ChromiumFactAttribute()
    {
        if (!Available && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Skip = $"needs {Chromium} and {ChromeDriver} (apt-get install -y chromium chromium-driver)";
    }

    public static bool Available => File.Exists(Chromium) && File.Exists(ChromeDriver);
}
