using Xunit;

namespace OrderEngine.Testing;

/// <summary>
/// A fact that needs a throwaway PostgreSQL server: skipped, with the reason, when the server binaries are missing,
/// except under CI=true, where it runs and fails (the fixture refuses to start without them).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!PostgresAvailability.MustRun && PostgresAvailability.SkipReason() is { } reason)
        {
            Skip = reason;
        }
    }
}
