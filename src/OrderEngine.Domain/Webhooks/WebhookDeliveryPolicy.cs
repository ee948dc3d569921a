namespace OrderEngine.Domain.Webhooks;

/// <summary>What becomes of a delivery after a failed attempt.</summary>
public abstract record DeliveryStep
{
    /// <summary>Try again at <paramref name="At"/>.</summary>
    public sealed record RetryAt(DateTimeOffset At) : DeliveryStep;

    /// <summary>No attempts left: the delivery goes to the dead-letter list for an operator to replay.</summary>
    public sealed record DeadLetter : DeliveryStep;
}

/// <summary>
/// The retry schedule: after failed attempt n the next one waits base·2^(n-1), capped at <paramref name="MaxDelay"/>, of
/// which the upper half is jittered ("equal jitter": never less than half the delay, so a struggling subscriber is not
/// hit at once again, and never all at once by every delivery that failed together). After <paramref name="MaxAttempts"/>
/// attempts the delivery is dead-lettered. The jitter comes in as a number in [0, 1), so the schedule is reproducible.
/// </summary>
public sealed record WebhookDeliveryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>The step after <paramref name="attemptsMade"/> attempts (counting the one that just failed) at <paramref name="now"/>.</summary>
    public DeliveryStep AfterFailure(int attemptsMade, DateTimeOffset now, double random01)
    {
        if (attemptsMade >= MaxAttempts) return new DeliveryStep.DeadLetter();
        var delay = Delay(attemptsMade);
        var jitter = Math.Clamp(random01, 0d, 1d);
        return new DeliveryStep.RetryAt(now + delay / 2 + delay / 2 * jitter);
    }

    /// <summary>The un-jittered delay after <paramref name="attemptsMade"/> attempts: base·2^(n-1), at most <see cref="MaxDelay"/>.</summary>
    public TimeSpan Delay(int attemptsMade)
    {
        var exponent = Math.Clamp(attemptsMade - 1, 0, 40);
        var ticks = BaseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}
