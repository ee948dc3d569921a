using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrderEngine.Ingestion.Intake;

/// <summary>How outcomes are written where no HTTP layer does it (inbox result files): camelCase, enums as camelCase strings, nulls left out.</summary>
public static class IntakeJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
