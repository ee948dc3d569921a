namespace OrderEngine.Engine.Carriers;

/// <summary>
/// Carrier settings, bound from "OrderEngine:Carriers". Each carrier is registered only when its secret is set, so a node
/// answers 404 for a carrier nobody configured rather than accepting unsigned tracking.
/// </summary>
public sealed class CarrierOptions
{
    public const string Section = "OrderEngine:Carriers";

    /// <summary>How far a signed timestamp may be from now (either way) before the webhook is refused as a possible replay.</summary>
    public TimeSpan SignatureTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The sandbox carrier, for trying OrderEngine out and for tests.</summary>
    public CarrierSecretOptions Sandbox { get; set; } = new();

    /// <summary>Tracking through AfterShip: the webhook secret from AfterShip's tracking webhook settings.</summary>
    public CarrierSecretOptions AfterShip { get; set; } = new();

    /// <summary>Tracking through EasyPost: the webhook_secret given when the EasyPost webhook was created.</summary>
    public CarrierSecretOptions EasyPost { get; set; } = new();
}

/// <summary>The shared secret a carrier signs its webhooks with.</summary>
public sealed class CarrierSecretOptions
{
    /// <summary>The secret (HMAC-SHA256 key). Empty: the carrier is off.</summary>
    public string Secret { get; set; } = "";
}
