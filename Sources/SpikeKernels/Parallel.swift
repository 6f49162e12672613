import CFloatingPoint
import Dispatch
import Foundation

/// How many worker threads the kernels split work over. Fixed per process so that results are
/// reproducible run to run on the same machine (the split points never change).
public enum Parallelism {
    nonisolated(unsafe) public static var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Runs `body(start, end)` over `count` items split into at most `Parallelism.workers` contiguous
/// chunks of at least `minChunk` items. Each chunk's result must not depend on how the range is
/// split (no cross-chunk reductions), so outputs are identical for any worker count.
/// Every worker runs with subnormals flushed to zero (see CFloatingPoint), as does the caller.
@inline(__always)
public func parallelRanges(_ count: Int, minChunk: Int = 1, _ body: (Int, Int) -> Void) {
    if count <= 0 { return }
    spikelab_enable_flush_to_zero()
    let chunks = min(Parallelism.workers, max(1, count / max(1, minChunk)))
    if chunks <= 1 { body(0, count); return }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        spikelab_enable_flush_to_zero()   // per worker thread: MXCSR is thread-local
        let start = count * c / chunks
        let end = count * (c + 1) / chunks
        if start < end { body(start, end) }
    }
}

/// Runs `body(i)` for every i in 0..<count across the workers (items interleave freely, so each
/// item must be independent).
@inline(__always)
public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    if count <= 0 { return }
    spikelab_enable_flush_to_zero()
    if count == 1 || Parallelism.workers == 1 {
        for i in 0..<count { body(i) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: count) { i in
        spikelab_enable_flush_to_zero()
        body(i)
    }
}
