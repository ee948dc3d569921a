using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Database;

/// <summary>Registration of the database monitor and the persistence breakers' outage settings.</summary>
public static class DatabaseHosting
{
    /// <summary>The <see cref="DatabaseMonitor"/> of the journal's database, as a singleton and a hosted service.</summary>
    public static IServiceCollection AddOrderEngineDatabaseMonitor(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new DatabaseMonitor(
            sp.GetRequiredService<JournalDatabase>(),
            sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value.Database,
            sp,
            sp.GetService<ILogger<DatabaseMonitor>>()));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<DatabaseMonitor>());
        return services;
    }

    /// <summary>
    /// The circuit breakers of Akka.Persistence.Sql's journal and snapshot store reset after
    /// <see cref="DatabaseOptions.BreakerResetTimeout"/> instead of 30 s, as the batching journal's do: after an outage
    /// the first call once the database is back closes them, so writes and recoveries work again within a second or two.
    /// </summary>
    public static AkkaConfigurationBuilder WithOrderEngineDatabaseBreakers(this AkkaConfigurationBuilder builder, DatabaseOptions options)
    {
        var reset = $"{Math.Max(1, (long)options.BreakerResetTimeout.TotalMilliseconds)}ms";
        builder.AddHocon($"""
            akka.persistence.journal.orderengine.circuit-breaker.reset-timeout = {reset}
            akka.persistence.journal.sql.circuit-breaker.reset-timeout = {reset}
            akka.persistence.snapshot-store.sql.circuit-breaker.reset-timeout = {reset}
            """, HoconAddMode.Prepend);
        return builder;
    }
}
