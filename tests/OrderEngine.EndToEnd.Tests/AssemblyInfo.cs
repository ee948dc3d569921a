// Each test runs one engine process (two across a restart) on a 2-core machine; running them side by side would only
// make the kill timings and the ready waits noisier, so the tests run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
