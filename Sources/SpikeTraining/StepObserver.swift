import Foundation
import SpikeKernels
import SpikeModel

/// What an observer sees of one training step.
public struct StepContext {
    /// Index of the update (0-based); the loss is measured before it.
    public let step: Int
    public let learningRate: Double
    /// Cross-entropy + z-loss of this step's batch.
    public let loss: Float
    public let model: LlamaModel
    public let optimizer: Optimizer
    /// Per-tensor gradient norms in layout order and the global norm, before clipping.
    public let gradientNorms: (perTensor: [Double], global: Double)
    /// The clipping coefficient the update applies to the gradients (1: not clipped).
    public let gradientScale: Float
    /// The trained parameters before this update, when an observer asked for them
    /// (`needsPreviousParameters`); nil in `afterBackward` and when none asked.
    public let previousParameters: FloatBuffer?
}

/// A per-step statistic, called at two fixed points of every step: after backward (gradients in
/// `model.gradients`, weights not yet updated) and after the optimiser update (new weights, the
/// optimiser's new state, and on request the old weights). An observer owns what it records; a
/// run without observers pays nothing for them.
public protocol StepObserver: AnyObject {
    /// Whether `afterUpdate` needs `previousParameters` (the step then copies the parameters
    /// before the update: one pass over the buffer).
    var needsPreviousParameters: Bool { get }
    func afterBackward(_ context: StepContext) throws
    func afterUpdate(_ context: StepContext) throws
}

extension StepObserver {
    public var needsPreviousParameters: Bool { false }
    public func afterBackward(_ context: StepContext) throws {}
}
