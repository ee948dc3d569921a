using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.Stock;

/// <summary>Registration of low-stock alerts and replenishment: the "stock-alerts" projection and its store, and the stock settings checked on start.</summary>
public static class StockAlertHosting
{
    public static IServiceCollection AddOrderEngineStockAlerts(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new StockAlertStore(sp.GetRequiredService<JournalDatabase>()));
        services.AddSingleton<IProjection>(sp => sp.GetRequiredService<StockAlertStore>());
        services.AddOptions<OrderEngineOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrderEngineOptions>, StockOptionsValidator>());
        return services;
    }
}

/// <summary>Names every wrong stock setting (low-stock default, replenishment defaults) when the node starts.</summary>
internal sealed class StockOptionsValidator : IValidateOptions<OrderEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, OrderEngineOptions options) =>
        options.Stock.Errors() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
