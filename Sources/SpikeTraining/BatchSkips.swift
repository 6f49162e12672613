import Foundation
import SpikeKernels

/// Batches left out of the data order (PaLM's and GLM-130B's mitigation for a loss spike: restart
/// before it and skip the batches around it). From update `from` on, every update draws the batch
/// `count` further along the data order than it would have.
public struct BatchSkip: Codable, Equatable, Hashable, Sendable {
    public var from: Int
    public var count: Int
    public init(from: Int, count: Int) { self.from = from; self.count = count }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(["from", "count"])
        self.init(from: try decoder.field("from"), count: try decoder.field("count"))
    }
}

/// Where a run starts when it does not start from its initialisation: another run's checkpoint,
/// named by that run's hash (its directory in the run cache).
public struct Rewind: Codable, Equatable, Hashable, Sendable {
    /// The parent run's hash (16 hex digits).
    public var parent: String
    /// The parent's checkpoint to start from; updates `step` onwards are this run's own.
    public var step: Int
    public init(parent: String, step: Int) { self.parent = parent; self.step = step }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(["parent", "step"])
        self.init(parent: try decoder.field("parent"), step: try decoder.field("step"))
    }
}

extension Array where Element == BatchSkip {
    /// The position in the data order of the batch that update `step` draws.
    public func batchIndex(step: Int) -> Int {
        reduce(step) { index, skip in step >= skip.from ? index + skip.count : index }
    }

    /// The skips that apply to updates before `step`.
    public func before(step: Int) -> [BatchSkip] { filter { $0.from < step } }
}
