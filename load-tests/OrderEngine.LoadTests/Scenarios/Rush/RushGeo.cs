namespace OrderEngine.LoadTests.Scenarios.Rush;

/// <summary>A point on the map (WGS 84 degrees).</summary>
public readonly record struct MapPoint(double Latitude, double Longitude)
{
    public override string ToString() => FormattableString.Invariant($"{Latitude:0.######},{Longitude:0.######}");
}

/// <summary>A geohash cell's bounds in degrees.</summary>
public readonly record struct GeoCell(string Hash, double LatitudeLow, double LatitudeHigh, double LongitudeLow, double LongitudeHigh)
{
    public MapPoint Centre => new((LatitudeLow + LatitudeHigh) / 2, (LongitudeLow + LongitudeHigh) / 2);

    public double WidthKm => RushGeo.DistanceKm(new MapPoint(Centre.Latitude, LongitudeLow), new MapPoint(Centre.Latitude, LongitudeHigh));

    public double HeightKm => RushGeo.DistanceKm(new MapPoint(LatitudeLow, Centre.Longitude), new MapPoint(LatitudeHigh, Centre.Longitude));
}

/// <summary>
/// The map arithmetic of the rush simulation: distances (haversine, as the engine computes them), points at an offset in
/// km from a centre, straight-line movement toward a point at a speed, and geohash cells (the engine's zones). The tool
/// has no reference to src/, so these are its own; `selftest` checks them against known values.
/// </summary>
public static class RushGeo
{
    private const double EarthRadiusKm = 6371.0088;
    private const string Base32 = "0123456789bcdefghjkmnpqrstuvwxyz";
    private static readonly double KmPerDegree = EarthRadiusKm * Math.PI / 180;

    public static double DistanceKm(MapPoint a, MapPoint b)
    {
        var dLat = Radians(b.Latitude - a.Latitude);
        var dLon = Radians(b.Longitude - a.Longitude);
        var h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
            + Math.Cos(Radians(a.Latitude)) * Math.Cos(Radians(b.Latitude)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    /// <summary>The point <paramref name="eastKm"/> east and <paramref name="northKm"/> north of <paramref name="origin"/> (city scale).</summary>
    public static MapPoint Offset(MapPoint origin, double eastKm, double northKm) =>
        new(origin.Latitude + northKm / KmPerDegree,
            origin.Longitude + eastKm / (KmPerDegree * Math.Cos(Radians(origin.Latitude))));

    /// <summary>
    /// Moves <paramref name="km"/> along the straight line from <paramref name="from"/> toward <paramref name="to"/>;
    /// arrives (and stops exactly on the target) when the target is no farther than that.
    /// </summary>
    public static (MapPoint Position, bool Arrived) MoveToward(MapPoint from, MapPoint to, double km)
    {
        if (km < 0) throw new ArgumentOutOfRangeException(nameof(km), km, "a distance is not negative");
        var d = DistanceKm(from, to);
        if (d <= km) return (to, true);
        var f = km / d;
        return (new MapPoint(from.Latitude + (to.Latitude - from.Latitude) * f, from.Longitude + (to.Longitude - from.Longitude) * f), false);
    }

    /// <summary>How far a vehicle at <paramref name="speedKmh"/> goes in <paramref name="seconds"/>.</summary>
    public static double KmIn(double speedKmh, double seconds) => speedKmh * seconds / 3600.0;

    /// <summary>The geohash cell of a point at <paramref name="precision"/> characters.</summary>
    public static GeoCell Cell(MapPoint p, int precision)
    {
        if (precision is < 1 or > 12) throw new ArgumentOutOfRangeException(nameof(precision), precision, "1 to 12 characters");
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
                    if (p.Longitude >= mid) { index |= 1 << bit; lonLo = mid; }
                    else lonHi = mid;
                }
                else
                {
                    var mid = (latLo + latHi) / 2;
                    if (p.Latitude >= mid) { index |= 1 << bit; latLo = mid; }
                    else latHi = mid;
                }
                even = !even;
            }
            chars[i] = Base32[index];
        }
        return new GeoCell(new string(chars), latLo, latHi, lonLo, lonHi);
    }

    public static string Geohash(MapPoint p, int precision) => Cell(p, precision).Hash;

    /// <summary>Parses "lat,lon".</summary>
    public static MapPoint Parse(string option, string raw)
    {
        var parts = raw.Split(',');
        if (parts.Length == 2
            && double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var lat)
            && double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var lon)
            && lat is >= -85 and <= 85 && lon is >= -180 and <= 180)
            return new MapPoint(lat, lon);
        throw new Cli.UsageException($"--{option}: '{raw}' is not latitude,longitude (e.g. 48.8566,2.3522; |latitude| <= 85)");
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;
}
