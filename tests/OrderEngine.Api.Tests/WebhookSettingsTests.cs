using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OrderEngine.Testing;

namespace OrderEngine.Api.Tests;

/// <summary>Webhook settings are checked when the node starts.</summary>
public sealed class WebhookSettingsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("MaxAttempts", "0")]
    [InlineData("Concurrency", "0")]
    [InlineData("BackoffBase", "00:00:00")]
    [InlineData("SendTimeout", "01:00:00")]
    [InlineData("PollInterval", "00:00:00.001")]
    public void A_node_with_an_invalid_webhook_setting_does_not_start_and_names_the_setting(string setting, string value)
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            OrderEngine.Api.Tests.Security.TestCredentials.Configure(b);
            b.UseSetting("OrderEngine:Persistence:SqlitePath", _directory.File("oe.db"));
            b.UseSetting("OrderEngine:Cluster:Port", "0");
            b.UseSetting($"OrderEngine:Webhooks:{setting}", value);
        });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains($"OrderEngine:Webhooks:{setting}", error.ToString());
    }
}
