namespace OrderEngine.LoadTests.Core;

/// <summary>
/// Draws ranks 0..n-1 with P(k) proportional to 1/(k+1)^s (s = 0 is uniform), like pgbench's random_zipfian: rank 0
/// is the hottest. The cumulative distribution is computed once; a draw is one binary search. Thread-safe to share.
/// </summary>
public sealed class ZipfSampler
{
    private readonly double[] _cdf;

    public ZipfSampler(int n, double s)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), "at least one item");
        S = s;
        _cdf = new double[n];
        double sum = 0;
        for (var k = 0; k < n; k++)
        {
            sum += s == 0 ? 1.0 : Math.Pow(k + 1, -s);
            _cdf[k] = sum;
        }
        for (var k = 0; k < n; k++) _cdf[k] /= sum;
        _cdf[n - 1] = 1.0;
    }

    public int Count => _cdf.Length;

    public double S { get; }

    /// <summary>The probability of rank k.</summary>
    public double Probability(int k) => k == 0 ? _cdf[0] : _cdf[k] - _cdf[k - 1];

    public int Next(Random random)
    {
        var u = random.NextDouble();
        var i = Array.BinarySearch(_cdf, u);
        return i >= 0 ? i : Math.Min(~i, _cdf.Length - 1);
    }
}
