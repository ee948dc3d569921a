using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrderEngine.Engine.Carriers;

/// <summary>Registers the carrier integrations.</summary>
public static class CarrierHosting
{
    /// <summary>
    /// Binds <see cref="CarrierOptions"/> from "OrderEngine:Carriers" and registers <see cref="Carriers"/>: the built-in
    /// carriers whose secret is set, plus any other <see cref="ICarrier"/> registered in the services.
    /// </summary>
    public static IServiceCollection AddOrderEngineCarriers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CarrierOptions>().Bind(configuration.GetSection(CarrierOptions.Section))
            .Validate(o => o.SignatureTolerance > TimeSpan.Zero, "OrderEngine:Carriers:SignatureTolerance must be positive")
            .Validate(o => o.EasyPost.Secret.All(char.IsAscii) || EasyPostCarrier.CanNormalize,
                "OrderEngine:Carriers:EasyPost:Secret has non-ASCII characters, which this node cannot normalise as EasyPost does; use an ASCII secret")
            .ValidateOnStart();
        services.TryAddSingleton(sp => new Carriers(
            Configured(sp.GetRequiredService<IOptions<CarrierOptions>>().Value).Concat(sp.GetServices<ICarrier>())));
        return services;
    }

    /// <summary>The built-in carriers whose secret is set.</summary>
    public static IEnumerable<ICarrier> Configured(CarrierOptions options)
    {
        if (!string.IsNullOrEmpty(options.Sandbox.Secret)) yield return new SandboxCarrier(options.Sandbox.Secret, options.SignatureTolerance);
        if (!string.IsNullOrEmpty(options.AfterShip.Secret)) yield return new AfterShipCarrier(options.AfterShip.Secret);
        if (!string.IsNullOrEmpty(options.EasyPost.Secret)) yield return new EasyPostCarrier(options.EasyPost.Secret);
    }
}
