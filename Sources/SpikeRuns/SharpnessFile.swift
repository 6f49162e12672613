import Foundation
import SpikeModel
import SpikeTraining

/// `sharpness.csv` (the run config's `sharpness`): every `every` updates, after the update, the
/// largest eigenvalue of Adam's preconditioned Hessian on the fixed held-out batch
/// (`TrainingData.probeBatch`, the probe's), by `PreconditionedSharpness`, beside the two
/// stability thresholds at that step's LR: 2 / lr and (2 + 2β1) / ((1 − β1) lr) (38 / lr at β1 =
/// 0.9). Step s is the update index: the row describes the weights and v after update s.
///
/// Cost when on: 2 x `iterations` forward and backward passes of one training-sized batch per
/// row (about 2 x iterations training steps without the optimiser), plus a few passes over the
/// parameters per iteration. The estimate leaves the training bit-identical.
public final class SharpnessObserver: StepObserver {
    public static let fileName = "sharpness.csv"
    static let header = "step,lr,lambda_max,relative_change,threshold_plain,threshold_momentum"

    private let file: StepCSV
    private let batch: (inputs: [Int32], targets: [Int32])
    private let config: RunConfig
    private let settings: SharpnessSchedule

    public init(config: RunConfig, settings: SharpnessSchedule, batch: (inputs: [Int32], targets: [Int32]), runDirectory: URL,
                resumeStep: Int, parentDirectory: URL?) throws {
        file = try StepCSV(observerFile: Self.fileName, header: Self.header, runDirectory: runDirectory,
                           resumeStep: resumeStep, parentDirectory: parentDirectory)
        self.batch = batch; self.config = config; self.settings = settings
    }

    public func afterUpdate(_ context: StepContext) throws {
        let o = config.optimizer
        guard settings.schedule.records(step: context.step, totalSteps: o.totalSteps) else { return }
        let t = Double(max(1, context.optimizer.step))
        let estimate = try PreconditionedSharpness.estimate(
            model: context.model, batch: batch, batchSize: config.batchSize, secondMoment: context.optimizer.stateTensorsByName,
            biasCorrection2: 1 - pow(o.beta2, t), eps: o.eps, iterations: settings.iterations,
            seed: config.seed &+ UInt64(context.step))
        let limits = PreconditionedSharpness.thresholds(lr: context.learningRate, beta1: o.beta1)
        try file.append([String(context.step), fmt(context.learningRate), fmt(estimate.lambdaMax), fmt(estimate.relativeChange),
                         fmt(limits.plain), fmt(limits.momentum)].joined(separator: ","))
    }
}

/// The rows of `sharpness.csv`, as columns indexed like `step`.
public struct SharpnessRows: Sendable {
    public var step: [Int] = []
    public var learningRate: [Double] = []
    public var lambdaMax: [Double] = []
    public var relativeChange: [Double] = []
    public var thresholdPlain: [Double] = []
    public var thresholdMomentum: [Double] = []

    public init(contentsOf url: URL) throws {
        let table = try CSVRows(url: url, header: SharpnessObserver.header).stepsAndNumbers()
        step = table.steps
        (learningRate, lambdaMax, relativeChange) = (table.columns[0], table.columns[1], table.columns[2])
        (thresholdPlain, thresholdMomentum) = (table.columns[3], table.columns[4])
    }
}
