using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.ReadSide;

public static class ReadSideHosting
{
    /// <summary>
    /// The read-orders and read-stock projections (run by the ProjectionRunner). OrderEngine:ReadSide:Enabled=false leaves
    /// them out (their tables then stay as they are): for measuring what the read side costs, not for production.
    /// </summary>
    public static IServiceCollection AddOrderEngineReadSide(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.Equals(configuration["OrderEngine:ReadSide:Enabled"], "false", StringComparison.OrdinalIgnoreCase)) return services;
        services.AddSingleton<IProjection>(sp => new ReadOrdersProjection(sp.GetRequiredService<JournalDatabase>()));
        services.AddSingleton<IProjection>(sp => new ReadStockProjection(sp.GetRequiredService<JournalDatabase>()));
        return services;
    }
}
