using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrderEngine.Client;

/// <summary>
/// The JSON settings the engine uses (camelCase enum names such as "reserved" and "partiallyShipped"), hooked into the
/// generated client; kept out of OrderEngineClient.g.cs so regenerating it does not lose them.
/// </summary>
public partial class OrderEngineClient
{
    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings)
    {
        settings.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        settings.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    }
}
