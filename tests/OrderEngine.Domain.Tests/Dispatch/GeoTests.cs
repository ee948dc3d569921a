using OrderEngine.Domain.Dispatch;
using Xunit;

namespace OrderEngine.Domain.Tests.Dispatch;

public sealed class GeoTests
{
    [Theory]
    [InlineData(57.64911, 10.40744, 11, "u4pruydqqvj")]
    [InlineData(51.5074, -0.1278, 5, "gcpvj")]
    [InlineData(-33.8688, 151.2093, 6, "r3gx2f")]
    public void Geohash_matches_the_published_cells(double lat, double lon, int precision, string expected) =>
        Assert.Equal(expected, Geo.Geohash(new GeoPoint(lat, lon), precision));

    [Fact]
    public void Distance_London_to_Paris_is_about_344_km()
    {
        var d = Geo.DistanceKm(new GeoPoint(51.5074, -0.1278), new GeoPoint(48.8566, 2.3522));
        Assert.InRange(d, 340, 348);
    }

    [Fact]
    public void Travel_time_is_distance_over_speed() =>
        Assert.Equal(TimeSpan.FromMinutes(12), Geo.TravelTime(3, 15));

    [Theory]
    [InlineData(91, 0)]
    [InlineData(0, 181)]
    [InlineData(double.NaN, 0)]
    public void Invalid_points_are_not_valid(double lat, double lon) => Assert.False(new GeoPoint(lat, lon).IsValid);
}
