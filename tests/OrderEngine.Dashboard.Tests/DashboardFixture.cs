using System.Net.Http.Json;
using System.Text;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using OrderEngine.EndToEnd.Tests;
using OrderEngine.Testing;

namespace OrderEngine.Dashboard.Tests;

/// <summary>
/// One engine (SQLite, security on with the bootstrap admin key as every test engine, orders over 1,000 EUR held for
/// review) and one headless chromium for the class. <see cref="Http"/> calls the API with the admin key.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    /// <summary>The bootstrap admin key every engine of the tests starts with.</summary>
    public const string AdminKey = EngineProcess.AdminKey;

    private readonly TempDirectory _dir = new();
    private EngineProcess? _engine;
    private ChromeDriver? _driver;

    public EngineProcess Engine => _engine ?? throw new InvalidOperationException("the engine did not start");

    public IWebDriver Browser => _driver ?? throw new InvalidOperationException("the browser did not start");

    public HttpClient Http => Engine.Http;

    public string Downloads { get; } = Directory.CreateTempSubdirectory("oe-dashboard-downloads-").FullName;

    /// <summary>Where the screens are saved as PNG when DASHBOARD_SCREENSHOTS names a folder (docs/dashboard/); null: not saved.</summary>
    public static string? ScreenshotFolder => Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOTS") is { Length: > 0 } d ? d : null;

    public string Url(string path) => new Uri(Engine.BaseAddress, path.TrimStart('/')).ToString();

    public async Task InitializeAsync()
    {
        if (!ChromiumFactAttribute.Available) return;
        var settings = new EngineSettings("Sqlite", Path.Combine(_dir.Path, "engine.db"), null, TimeSpan.FromMinutes(15), _dir.Path)
        {
            Extra = new Dictionary<string, string>
            {
                ["OrderEngine__Review__HoldAboveTotal__EUR"] = "1000",
            },
        };
        using var start = new CancellationTokenSource(EngineProcess.ReadyTimeout + TimeSpan.FromSeconds(30));
        _engine = await EngineProcess.StartAsync(settings, "dashboard", start.Token);

        var options = new ChromeOptions { BinaryLocation = ChromiumFactAttribute.Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000");
        options.AddUserProfilePreference("download.default_directory", Downloads);
        options.AddUserProfilePreference("download.prompt_for_download", false);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromiumFactAttribute.ChromeDriver)!, Path.GetFileName(ChromiumFactAttribute.ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        _driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
    }

    /// <summary>Logs in afresh through the login page with <paramref name="key"/> (any earlier dashboard cookie is dropped first).</summary>
    public void LogIn(string key = AdminKey)
    {
        Browser.Navigate().GoToUrl(Url("/dashboard/login"));
        Browser.Manage().Cookies.DeleteAllCookies();
        Browser.Navigate().GoToUrl(Url("/dashboard"));
        Wait(d => d.Url.Contains("/dashboard/login", StringComparison.Ordinal), "the login page");
        Browser.FindElement(By.Id("apikey")).SendKeys(key);
        Browser.FindElement(By.Id("login")).Click();
        Wait(d => d.FindElements(By.Id("tile-held")).Count > 0, "the home page after the login");
    }

    /// <summary>Makes a stored API key with <paramref name="roles"/> through POST /api/keys; answers its id and the key.</summary>
    public async Task<(string Id, string Key)> CreateKeyAsync(string name, params string[] roles)
    {
        var created = await Http.PostAsJsonAsync("/api/keys", new { name, roles });
        var body = await created.Content.ReadAsStringAsync();
        if (!created.IsSuccessStatusCode) throw new Xunit.Sdk.XunitException($"POST /api/keys answered {(int)created.StatusCode}: {body}");
        using var doc = System.Text.Json.JsonDocument.Parse(body);
        return (doc.RootElement.GetProperty("id").GetString()!, doc.RootElement.GetProperty("key").GetString()!);
    }

    /// <summary>Waits (at most <paramref name="seconds"/>) until <paramref name="condition"/> holds; fails naming <paramref name="what"/> and the page.</summary>
    public T Wait<T>(Func<IWebDriver, T> condition, string what, int seconds = 20)
    {
        var wait = new WebDriverWait(Browser, TimeSpan.FromSeconds(seconds)) { PollingInterval = TimeSpan.FromMilliseconds(200) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        try
        {
            return wait.Until(condition);
        }
        catch (WebDriverTimeoutException)
        {
            var body = Browser.FindElements(By.TagName("body")).FirstOrDefault()?.Text ?? "";
            throw new Xunit.Sdk.XunitException($"timed out waiting for {what} at {Browser.Url}; the page says:\n{body[..Math.Min(body.Length, 2000)]}\n{Engine.Tail(30)}");
        }
    }

    /// <summary>Saves the current page as docs/dashboard/{name}.png when <see cref="ScreenshotFolder"/> is set.</summary>
    public void Screenshot(string name)
    {
        if (ScreenshotFolder is not { } folder) return;
        Directory.CreateDirectory(folder);
        ((ITakesScreenshot)Browser).GetScreenshot().SaveAsFile(Path.Combine(folder, name + ".png"));
    }

    public async Task<HttpResponseMessage> PostJsonAsync(string path, object body) =>
        await Http.PostAsJsonAsync(path, body);

    public async Task<HttpResponseMessage> PutJsonAsync(string path, object body) =>
        await Http.PutAsJsonAsync(path, body);

    public async Task<HttpResponseMessage> PostNdjsonAsync(string path, string ndjson) =>
        await Http.PostAsync(path, new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"));

    public async Task DisposeAsync()
    {
        try { _driver?.Quit(); } catch (WebDriverException) { }
        _driver?.Dispose();
        // DASHBOARD_ENGINE_LOG names a file for the engine's output (to see what a run did, e.g. with request logging on).
        if (_engine is not null && Environment.GetEnvironmentVariable("DASHBOARD_ENGINE_LOG") is { Length: > 0 } log)
            await File.WriteAllTextAsync(log, _engine.Tail(4000));
        if (_engine is not null) await _engine.DisposeAsync();
        _dir.Dispose();
        try { Directory.Delete(Downloads, recursive: true); } catch (IOException) { }
    }
}
