import Foundation
import SpikeKernels
import SpikeModel

/// One named buffer of optimiser state (a moment, a mask), as it is written to and read from a
/// checkpoint's `optimizer.safetensors`.
public struct OptimizerStateTensor {
    public let name: String
    public let shape: [Int]
    public let values: UnsafeMutableBufferPointer<Float>

    public init(name: String, shape: [Int], values: UnsafeMutableBufferPointer<Float>) {
        self.name = name; self.shape = shape; self.values = values
    }
}

/// What the training step needs of an optimiser. Its whole state is `stateTensors` plus
/// `stateMetadata`, so checkpoints, resume and rewind work for any optimiser without knowing it.
public protocol Optimizer: AnyObject {
    /// Updates taken so far (PyTorch's `step`).
    var step: Int { get }
    /// One update of `parameters` with learning rate `lr` from `gradients` times `gradientScale`
    /// (the clipping coefficient, applied inside the pass rather than in one of its own).
    func update(parameters: FloatBuffer, gradients: FloatBuffer, lr: Double, gradientScale: Float)
    /// Every buffer of state, named, in a fixed order.
    var stateTensors: [OptimizerStateTensor] { get }
    /// Counters and other scalars of the state, as checkpoint metadata.
    var stateMetadata: [String: String] { get }
    /// Restores the scalars from `stateMetadata`; throws a `TrainingError.checkpoint` naming what
    /// is missing or impossible. It runs before the tensors are read back, so an optimiser whose
    /// buffers' sizes follow from its counters (SPAM's masked moments) can size them here.
    func restore(metadata: [String: String]) throws
    /// Bytes of optimiser state held in memory (by default, those of `stateTensors`).
    var stateBytes: Int { get }
    /// One line for figure metadata: the optimiser and its settings.
    var summary: String { get }
}

extension Optimizer {
    /// The state tensors by name ("m.<tensor>", "v.<tensor>", ...), for observers that read them.
    public var stateTensorsByName: [String: UnsafeMutableBufferPointer<Float>] {
        Dictionary(uniqueKeysWithValues: stateTensors.map { ($0.name, $0.values) })
    }
    public var stateBytes: Int { stateTensors.reduce(0) { $0 + $1.values.count * MemoryLayout<Float>.stride } }
}

/// The Adam moments `m.<tensor>` and `v.<tensor>` of every layout tensor, as flat buffers `m`
/// and `v` with the layout's offsets (the checkpoint names since the first release, so older
/// checkpoints still resume). With `offsets`, each tensor's start in `m` and `v`, and only the
/// tensors that have one (SPAM keeps no dense moments for its masked matrices).
func momentStateTensors(layout: ParameterLayout, m: FloatBuffer, v: FloatBuffer, offsets: [Int?]? = nil) -> [OptimizerStateTensor] {
    layout.specs.indices.flatMap { t -> [OptimizerStateTensor] in
        let spec = layout.specs[t]
        let start: Int? = if let offsets { offsets[t] } else { spec.offset }
        guard let start else { return [] }
        return [(prefix: "m.", buffer: m), (prefix: "v.", buffer: v)].map { moment in
            OptimizerStateTensor(name: moment.prefix + spec.name, shape: spec.shape,
                                 values: UnsafeMutableBufferPointer(start: moment.buffer.pointer + start, count: spec.count))
        }
    }
}

/// A counter of `stateMetadata` read back: present and an integer >= 0, else a checkpoint error.
func checkpointCounter(_ key: String, in metadata: [String: String]) throws -> Int {
    guard let value = metadata[key] else { throw TrainingError.checkpoint("optimizer state has no \(key) metadata") }
    guard let n = Int(value), n >= 0 else {
        throw TrainingError.checkpoint("optimizer state has an impossible \(key) '\(value)' (must be an integer >= 0)")
    }
    return n
}

extension OptimizerConfig {
    /// The optimiser the config names (SPAM when it has a `spam` section, else AdamW), for a model
    /// with `layout`; `seed` is the run's (SPAM draws its sparse-momentum masks from it).
    public func makeOptimizer(layout: ParameterLayout, seed: UInt64) -> Optimizer {
        spam == nil ? AdamW(config: self, layout: layout) : SPAM(config: self, layout: layout, seed: seed)
    }
}
