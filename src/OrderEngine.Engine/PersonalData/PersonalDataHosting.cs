using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.PersonalData;

/// <summary>Registers the customer key store (personal data sealed per customer) and its cache recheck.</summary>
public static class PersonalDataHosting
{
    public static IServiceCollection AddOrderEnginePersonalData(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PersonalDataOptions>().Bind(configuration.GetSection(PersonalDataOptions.Section));
        // A bad configured customer id secret stops the node at start, not at its first channel order.
        services.AddOptions<PersonalDataOptions>()
            .Validate(o => EngineSecrets.IsValidConfiguredSecret(o.CustomerIdSecret), EngineSecrets.BadSecretMessage)
            .ValidateOnStart();
        services.TryAddSingleton(sp => new CustomerKeyStore(
            sp.GetRequiredService<JournalDatabase>(), sp.GetRequiredService<IOptions<PersonalDataOptions>>().Value, sp.GetRequiredService<TimeProvider>(),
            sp.GetServices<IPersonalDataHolder>()));
        services.TryAddSingleton(sp => new EngineSecrets(sp.GetRequiredService<JournalDatabase>(), sp.GetRequiredService<TimeProvider>()));
        // Resolved once, on first use (the schema exists by then: JournalDatabase.Prepare runs before Akka starts).
        services.TryAddSingleton(sp => EngineSecrets.Pseudonymizer(
            sp.GetRequiredService<IOptions<PersonalDataOptions>>().Value.CustomerIdSecret,
            () => sp.GetRequiredService<EngineSecrets>().GetOrCreateAsync(EngineSecrets.CustomerIdSecret).GetAwaiter().GetResult()));
        services.AddHostedService<PersonalDataRecheck>();
        return services;
    }
}

/// <summary>
/// Every <see cref="PersonalDataOptions.PersonalDataRecheckInterval"/>, drops from this node's cache the keys erased on
/// any node: the bound on how long another node may still seal or open with an erased key.
/// </summary>
internal sealed class PersonalDataRecheck(CustomerKeyStore keys, IOptions<PersonalDataOptions> options, ILogger<PersonalDataRecheck> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (keys.WrapsKeys) log.LogInformation("Personal data keys are stored wrapped with the configured master key");
        else log.LogInformation("Personal data keys are stored unwrapped (set OrderEngine:Security:PersonalDataMasterKey to wrap them)");
        await CheckMasterKeysAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.PersonalDataRecheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await keys.RecheckAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // No key, no customer data in the message: only what failed.
                log.LogWarning("Looking for erased personal data keys failed ({Error}); trying again", e.GetType().Name);
            }
        }
    }

    // A master key rotated without the old one among the previous keys leaves every key wrapped with the old one unreadable:
    // said once at start, by settings' names only, rather than only as failed recoveries of those customers' orders.
    private async Task CheckMasterKeysAsync(CancellationToken ct)
    {
        try
        {
            var (_, underPrevious, unreadable) = await keys.CheckMasterKeysAsync(50, ct);
            if (unreadable > 0)
                log.LogError(
                    "Personal data keys in customer_keys open with neither OrderEngine:Security:PersonalDataMasterKey nor any of "
                    + "OrderEngine:Security:PersonalDataPreviousMasterKeys ({Unreadable} of those checked at start): orders of those customers "
                    + "cannot be read until the master key they were wrapped with is configured (see docs/security.md, Personal data)", unreadable);
            else if (underPrevious > 0)
                log.LogWarning(
                    "Personal data keys in customer_keys are still wrapped with a previous master key ({UnderPrevious} of those checked at start): "
                    + "run `personal-data rewrap`, then remove OrderEngine:Security:PersonalDataPreviousMasterKeys", underPrevious);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("Checking the personal data master keys failed ({Error})", e.GetType().Name);
        }
    }
}
