using System.Text.Json;
using System.Text.Json.Serialization;
using OrderEngine.Domain.ShippingMethods;

namespace OrderEngine.Engine.Shipping;

/// <summary>
/// The rules a node uses when its configuration has no "OrderEngine:Shipping" section: a warehouse in Berlin with
/// same-day delivery in Berlin, express and standard to Germany and the EU, freight from 30 kg (shipping-defaults.json,
/// the same as the section in appsettings.json).
/// </summary>
public static class ShippingDefaults
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static ShippingRulesDocument Document()
    {
        using var stream = typeof(ShippingDefaults).Assembly.GetManifestResourceStream("OrderEngine.Shipping.defaults.json")
            ?? throw new InvalidOperationException("the default shipping rules are missing from the build");
        return JsonSerializer.Deserialize<ShippingRulesDocument>(stream, Json)
            ?? throw new InvalidOperationException("the default shipping rules are empty");
    }
}
