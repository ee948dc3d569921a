using Xunit;

// The entity tests measure time (idle passivation, retries, due notices, group commit windows) against real timers.
// Run side by side, dozens of actor systems (clusters among them) share 2 cores and starve one another's schedulers
// for seconds, which such a test cannot tell from a bug; one class at a time keeps their clocks honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
