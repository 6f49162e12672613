import Dispatch
import Foundation
import SpikeTraining

/// A run a figure is about to ask for: its config and the label of its progress lines.
public struct RunRequest: Sendable {
    public var config: RunConfig
    public var label: String

    public init(_ config: RunConfig, label: String) {
        self.config = config
        self.label = label
    }
}

extension RunCache {
    /// `run(_:label:)` for a request.
    public func run(_ request: RunRequest) throws -> CachedRun { try run(request.config, label: request.label) }

    /// Runs trained at once by `trainAll`: `$SPIKELAB_LANES` when set, else 2. The suite's small
    /// models leave cores idle in a single run (their products are too small to split well), so
    /// two runs side by side finish sooner than one after the other (docs/BENCHMARK.md, "Lanes").
    public static let lanesVariable = "SPIKELAB_LANES"
    public static let defaultLanes = 2

    /// `$SPIKELAB_LANES`, validated (a positive integer), else `defaultLanes`.
    public static func lanes(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        guard let text = environment[lanesVariable], !text.isEmpty else { return defaultLanes }
        guard let lanes = Int(text), (1...64).contains(lanes) else {
            throw RunError("\(lanesVariable)=\(text): expected a whole number of runs trained at once, 1 to 64")
        }
        return lanes
    }

    /// Trains every requested run that is not in the cache yet, `lanes` runs at a time, so that a
    /// figure's later `run(_:label:)` calls find them finished. The floats of a run do not depend on
    /// this: the kernels split work at points fixed by the shape, never by the threads available,
    /// and each run has its own model, optimiser and data order. Requests for one config train
    /// once. Every run is attempted; the first error (in request order) is thrown at the end.
    public func trainAll(_ requests: [RunRequest], lanes: Int? = nil) throws {
        let lanes = try lanes ?? RunCache.lanes()
        var seen = Set<String>()
        let pending = requests.filter { request in
            // Only whether result.json is there: `finished` would also parse the run's log.
            RunResult.read(in: directory(for: request.config)) == nil && seen.insert(RunCache.hash(request.config)).inserted
        }
        guard !pending.isEmpty else { return }
        if lanes == 1 || pending.count == 1 {
            for request in pending { _ = try run(request) }
            return
        }
        let errors = LaneErrors(count: pending.count)
        let next = LaneCounter()
        DispatchQueue.concurrentPerform(iterations: min(lanes, pending.count)) { _ in
            while let i = next.take(below: pending.count) {
                do { _ = try run(pending[i]) } catch { errors.set(i, error) }
            }
        }
        if let first = errors.first { throw first }
    }
}

/// The next request index, shared by the lanes.
private final class LaneCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < count else { return nil }
        value += 1
        return value - 1
    }
}

/// The error of each request, if any, kept in request order.
private final class LaneErrors: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [(any Error)?]

    init(count: Int) { errors = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ error: any Error) {
        lock.lock()
        errors[index] = error
        lock.unlock()
    }

    var first: (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return errors.lazy.compactMap { $0 }.first
    }
}
