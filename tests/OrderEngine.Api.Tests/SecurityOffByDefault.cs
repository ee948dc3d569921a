using System.Runtime.CompilerServices;

namespace OrderEngine.Api.Tests;

/// <summary>
/// Until the fixtures send credentials, every engine these tests host runs with OrderEngine:Security:Enabled=false (an
/// environment variable, read by every WebApplicationFactory here); the security tests turn it on with UseSetting,
/// which takes precedence.
/// </summary>
internal static class SecurityOffByDefault
{
    [ModuleInitializer]
    internal static void TurnOff() => Environment.SetEnvironmentVariable("OrderEngine__Security__Enabled", "false");
}
