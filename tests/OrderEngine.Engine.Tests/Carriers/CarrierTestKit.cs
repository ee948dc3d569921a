using System.Security.Cryptography;
using System.Text;

namespace OrderEngine.Engine.Tests;

/// <summary>
/// The carrier samples (Carriers/Samples, see its README) and webhook signatures computed by the tests themselves with
/// each carrier's documented algorithm, independent of the engine's own signing code.
/// </summary>
public static class CarrierTestKit
{
    public static readonly DateTimeOffset Now = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    public static byte[] Sample(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Carriers", "Samples", name));

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Headers as a request gives them: by name, case-insensitively.</summary>
    public static Func<string, string?> Headers(params (string Name, string? Value)[] headers)
    {
        var map = headers.Where(h => h.Value is not null).ToDictionary(h => h.Name, h => h.Value!, StringComparer.OrdinalIgnoreCase);
        return name => map.GetValueOrDefault(name);
    }

    public static byte[] Hmac(string secret, byte[] message) => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);

    /// <summary>Sandbox: t=&lt;unix&gt;,v1=hex(HMAC(secret, t + "." + body)).</summary>
    public static string SandboxHeader(string secret, byte[] body, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(Hmac(secret, [.. Encoding.UTF8.GetBytes(t + "."), .. body]))}";
    }

    /// <summary>AfterShip: base64(HMAC(secret, body)).</summary>
    public static string AfterShipHeader(string secret, byte[] body) => Convert.ToBase64String(Hmac(secret, body));

    /// <summary>EasyPost: "hmac-sha256-hex=" + hex(HMAC(secret, body)).</summary>
    public static string EasyPostHeader(string secret, byte[] body) => "hmac-sha256-hex=" + Convert.ToHexStringLower(Hmac(secret, body));
}
