// One scenario at a time: a fault one injects (and the load it drives) would show up in another's timings,
// e.g. scenario B's outage in scenario C's P99 comparison.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
