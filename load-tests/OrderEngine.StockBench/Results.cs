namespace OrderEngine.StockBench;

/// <summary>What to measure: which sizes, how long each measured repetition runs, and how many there are.</summary>
public sealed record BenchSettings(string Label, string Commit, int[] Sizes, double SecondsPerRep, int Reps);

/// <summary>
/// Every figure measured at one number of open reservations. Costs are CPU time (the measuring thread's for the decider
/// and the snapshot, the whole process's for the entity), which a busy shared machine inflates less than elapsed time.
/// </summary>
public sealed record SizeResult(
    int OpenReservations,
    double StateMegabytes,
    double DomainUsPerSale,
    double DomainWallUsPerSale,
    double DomainBytesPerSale,
    double ExpiryCheckUs,
    double SnapshotMs,
    double SnapshotMegabytes,
    double RestoreMs,
    long SnapshotIntervalEvents,
    double SnapshotUsPerSale,
    double ActorCpuUsPerSale,
    double ActorWallUsPerSale,
    double ActorBytesPerSale,
    long ActorSales,
    int ActorSnapshots)
{
    /// <summary>Decider + evolve, plus the snapshot's cost spread over the sales between two snapshots.</summary>
    public double DomainTotalUsPerSale => DomainUsPerSale + SnapshotUsPerSale;

    /// <summary>
    /// The entity's measured CPU cost per sale. When no snapshot fell in the measured window (the interval is longer than
    /// the window), the snapshot's spread cost is added, so both policies are charged for their snapshots.
    /// </summary>
    public double ActorTotalUsPerSale => ActorCpuUsPerSale + (ActorSnapshots == 0 ? SnapshotUsPerSale : 0);
}

/// <summary>One run of the benchmark against one build.</summary>
public sealed record RunResult(string Label, string Commit, DateTimeOffset At, string Machine, List<SizeResult> Sizes);
