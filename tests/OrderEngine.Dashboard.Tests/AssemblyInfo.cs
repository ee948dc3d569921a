// One engine and one browser for the whole class; nothing else runs beside them.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
