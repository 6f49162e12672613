import Foundation
import SpikeKernels
import SpikeModel

/// What one training step did, as the run log records it, with the wall-clock time of each part.
public struct StepOutcome: Sendable {
    public var step: Int
    public var learningRate: Double
    /// Cross-entropy + z-loss of the step's batch, measured before the update.
    public var loss: Float
    public var crossEntropy: Double
    /// Global gradient norm before clipping; NaN when the loss was not finite (no backward ran).
    public var gradientNorm: Double
    public var clipped: Bool
    /// False when the loss was not finite: the step stopped before backward and changed nothing.
    public var lossIsFinite: Bool { loss.isFinite }
    public var seconds: Sections

    /// Seconds spent in each part of the step (`observers` covers both observer calls and the copy
    /// of the previous parameters).
    public struct Sections: Sendable {
        public var batch = 0.0, forward = 0.0, backward = 0.0, norms = 0.0, update = 0.0, observers = 0.0
        public var total: Double { batch + forward + backward + norms + update + observers }
        public init() {}
    }
}

/// One training step, the same for the trainer, the benchmark and the tests: batch -> forward ->
/// backward -> gradient norms -> clipping coefficient -> optimiser update, with the observers
/// called after backward and after the update.
public final class TrainingStep {
    public let model: LlamaModel
    public let optimizer: Optimizer
    public let schedule: LRSchedule
    public let batches: BatchSource
    public let batchSize: Int
    /// Global-norm clipping threshold; nil: no clipping.
    public let clipNorm: Double?
    /// Batches left out of the data order (the run config's `skipBatches`).
    public let skips: [BatchSkip]
    public var observers: [StepObserver] { didSet { previousParameters = TrainingStep.copyBuffer(for: observers, model) } }
    /// The parameters before the update, kept only when an observer asks for them.
    private var previousParameters: FloatBuffer?

    private static func copyBuffer(for observers: [StepObserver], _ model: LlamaModel) -> FloatBuffer? {
        observers.contains { $0.needsPreviousParameters } ? FloatBuffer(count: model.layout.count) : nil
    }

    public init(model: LlamaModel, optimizer: Optimizer, optimizerConfig: OptimizerConfig, batches: BatchSource,
                batchSize: Int, skips: [BatchSkip] = [], observers: [StepObserver] = []) {
        self.model = model
        self.optimizer = optimizer
        schedule = LRSchedule(optimizerConfig)
        self.batches = batches
        self.batchSize = batchSize
        clipNorm = optimizerConfig.clippingEnabled ? optimizerConfig.clipNorm : nil
        self.skips = skips
        self.observers = observers
        previousParameters = TrainingStep.copyBuffer(for: observers, model)
    }

    /// The step a run config describes, for `model` and `optimizer`.
    public convenience init(config: RunConfig, model: LlamaModel, optimizer: Optimizer, batches: BatchSource,
                            observers: [StepObserver] = []) {
        self.init(model: model, optimizer: optimizer, optimizerConfig: config.optimizer, batches: batches,
                  batchSize: config.batchSize, skips: config.skipBatches ?? [], observers: observers)
    }

    /// Update `s` (0-based). A non-finite loss ends the step after the forward pass: nothing is
    /// updated and the outcome says so.
    public func run(step s: Int) throws -> StepOutcome {
        let length = model.config.contextLength
        var seconds = StepOutcome.Sections()
        var t = Clock.now()
        func lap(_ section: WritableKeyPath<StepOutcome.Sections, Double>) {
            let now = Clock.now()
            seconds[keyPath: section] += now - t
            t = now
        }
        let (inputs, targets) = batches.batch(step: skips.batchIndex(step: s), batchSize: batchSize, length: length)
        lap(\.batch)
        model.prepareTrainingStep()
        let loss = try model.forward(inputs: inputs, targets: targets, batch: batchSize, length: length)
        // Read now: an observer may run forward passes of its own (the sharpness estimate).
        let crossEntropy = model.lastCrossEntropy
        let lr = schedule.learningRate(step: s)
        lap(\.forward)
        guard loss.isFinite else {
            return StepOutcome(step: s, learningRate: lr, loss: loss, crossEntropy: crossEntropy, gradientNorm: .nan,
                               clipped: false, seconds: seconds)
        }
        model.backward()
        lap(\.backward)
        let norms = GradientClipping.norms(model.gradients, layout: model.layout)
        let clipScale = clipNorm.flatMap { GradientClipping.coefficient(globalNorm: norms.global, maxNorm: $0) }
        lap(\.norms)
        if !observers.isEmpty {
            let context = StepContext(step: s, learningRate: lr, loss: loss, model: model, optimizer: optimizer,
                                      gradientNorms: norms, gradientScale: clipScale ?? 1, previousParameters: nil)
            for observer in observers { try observer.afterBackward(context) }
            previousParameters?.pointer.update(from: model.parameters.pointer, count: model.layout.count)
            lap(\.observers)
        }
        optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: lr, gradientScale: clipScale ?? 1)
        lap(\.update)
        if !observers.isEmpty {
            let context = StepContext(step: s, learningRate: lr, loss: loss, model: model, optimizer: optimizer,
                                      gradientNorms: norms, gradientScale: clipScale ?? 1, previousParameters: previousParameters)
            for observer in observers { try observer.afterUpdate(context) }
            lap(\.observers)
        }
        return StepOutcome(step: s, learningRate: lr, loss: loss, crossEntropy: crossEntropy, gradientNorm: norms.global,
                           clipped: clipScale != nil, seconds: seconds)
    }
}
