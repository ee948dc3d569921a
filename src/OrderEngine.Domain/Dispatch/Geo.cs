namespace OrderEngine.Domain.Dispatch;

/// <summary>Distances and geohash cells on the WGS 84 sphere approximation (good to well under 1% at city scale).</summary>
public static class Geo
{
    private const double EarthRadiusKm = 6371.0088;
    private const string Base32 = "0123456789bcdefghjkmnpqrstuvwxyz";

    /// <summary>The great-circle distance between two points, in kilometres (haversine).</summary>
    public static double DistanceKm(GeoPoint a, GeoPoint b)
    {
        var dLat = Radians(b.Latitude - a.Latitude);
        var dLon = Radians(b.Longitude - a.Longitude);
        var h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
            + Math.Cos(Radians(a.Latitude)) * Math.Cos(Radians(b.Latitude)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    /// <summary>How long a trip of <paramref name="distanceKm"/> takes at <paramref name="speedKmh"/>.</summary>
    public static TimeSpan TravelTime(double distanceKm, double speedKmh) =>
        speedKmh <= 0 ? throw new ArgumentOutOfRangeException(nameof(speedKmh), speedKmh, "a speed is positive")
        : TimeSpan.FromHours(distanceKm / speedKmh);

    /// <summary>The geohash of a point at <paramref name="precision"/> characters (1–12).</summary>
    public static string Geohash(GeoPoint p, int precision)
    {
        if (precision is < 1 or > 12) throw new ArgumentOutOfRangeException(nameof(precision), precision, "a geohash has 1 to 12 characters");
        if (!p.IsValid) throw new ArgumentException("the point is not a valid coordinate", nameof(p));
        double latLo = -90, latHi = 90, lonLo = -180, lonHi = 180;
        var chars = new char[precision];
        var even = true;
        for (var i = 0; i < precision; i++)
        {
            var index = 0;
            for (var bit = 4; bit >= 0; bit--)
            {
                if (even)
                {
                    var mid = (lonLo + lonHi) / 2;
                    if (p.Longitude >= mid) { index |= 1 << bit; lonLo = mid; } else lonHi = mid;
                }
                else
                {
                    var mid = (latLo + latHi) / 2;
                    if (p.Latitude >= mid) { index |= 1 << bit; latLo = mid; } else latHi = mid;
                }
                even = !even;
            }
            chars[i] = Base32[index];
        }
        return new string(chars);
    }

    /// <summary>Whether <paramref name="s"/> is a geohash (1–12 characters of its base-32 alphabet).</summary>
    public static bool IsGeohash(string? s) => s is { Length: >= 1 and <= 12 } && s.All(c => Base32.Contains(c));

    /// <summary>Degrees of the coarse grid (about 1 km): what is left of a drop-off point once its precise value is gone.</summary>
    public const int CoarseDecimals = 2;

    /// <summary>The point rounded to <see cref="CoarseDecimals"/> decimals of a degree (about 1 km).</summary>
    public static GeoPoint Coarse(GeoPoint p) => new(
        Math.Round(p.Latitude, CoarseDecimals, MidpointRounding.AwayFromZero),
        Math.Round(p.Longitude, CoarseDecimals, MidpointRounding.AwayFromZero));

    /// <summary>Whether the point is finer than the coarse grid (so it is a precise location).</summary>
    public static bool IsPrecise(GeoPoint p) => Coarse(p) != p;

    private static double Radians(double degrees) => degrees * Math.PI / 180;
}
