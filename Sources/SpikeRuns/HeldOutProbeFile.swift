import Foundation
import SpikeModel
import SpikeTraining

/// `probe.csv` (the run config's `probe`): every `every` updates, after the update, the model is
/// run on one fixed held-out batch (`TrainingData.probeBatch`) and records
/// - `heldout_loss`: its mean cross-entropy (no z-loss), which tells damage to the parameters from
///   a training batch that is merely hard;
/// - the output logits' mean and max and the mean and max of log Z (Wortsman et al.: output-logit
///   divergence);
/// - `attention_max_<l>`: the largest attention logit q.k / sqrt(d_head) of each layer (attention-
///   logit growth), computed from the probe's q and k after RoPE.
/// Step s is the update index: the row describes the weights after update s. The observer writes
/// it; `HeldOutProbes` below reads it.
///
/// Cost when on: one forward pass of one training-sized batch, a pass over its logits and one
/// q.k scan per layer, every `every` steps (`spikelab-bench` prints it for every = 1).
public final class HeldOutProbeObserver: StepObserver {
    public static let fileName = "probe.csv"
    static let fixedColumns = "step,heldout_loss,logit_mean,logit_max,log_z_mean,log_z_max"

    static func header(layers: Int) -> String {
        ([fixedColumns] + (0..<layers).map { "attention_max_\($0)" }).joined(separator: ",")
    }

    private let file: StepCSV
    private let batch: (inputs: [Int32], targets: [Int32])
    private let batchSize: Int
    private let schedule: ObserverSchedule
    private let totalSteps: Int

    public init(config: RunConfig, schedule: ObserverSchedule, batch: (inputs: [Int32], targets: [Int32]), runDirectory: URL,
                resumeStep: Int, parentDirectory: URL?) throws {
        file = try StepCSV(observerFile: Self.fileName, header: Self.header(layers: config.model.nLayers), runDirectory: runDirectory,
                           resumeStep: resumeStep, parentDirectory: parentDirectory)
        self.batch = batch
        self.batchSize = config.batchSize
        self.schedule = schedule
        totalSteps = config.optimizer.totalSteps
    }

    public func afterUpdate(_ context: StepContext) throws {
        guard schedule.records(step: context.step, totalSteps: totalSteps) else { return }
        let model = context.model, length = model.config.contextLength, vocab = model.config.vocabSize
        let logits = try model.forwardLogits(inputs: batch.inputs, batch: batchSize, length: length)
        let s = LogitSummary(logits: logits, targets: batch.targets, vocabSize: vocab)
        let attention = model.lastAttentionLogitMaxima().map { fmt(Double($0)) }
        try file.append(([String(context.step)] + [s.crossEntropy, s.logitMean, s.logitMax, s.logZMean, s.logZMax].map(fmt) + attention)
            .joined(separator: ","))
    }
}

/// Mean cross-entropy and output-logit statistics of a [rows, vocab] logits buffer, in Double,
/// row by row in order (so the numbers do not depend on threads).
struct LogitSummary {
    var crossEntropy = 0.0, logitMean = 0.0, logitMax = -Double.infinity, logZMean = 0.0, logZMax = -Double.infinity

    init(logits: UnsafePointer<Float>, targets: [Int32], vocabSize v: Int) {
        let rows = targets.count
        for r in 0..<rows {
            let row = logits + r * v
            var rowMax = -Double.infinity, sum = 0.0
            for j in 0..<v { rowMax = max(rowMax, Double(row[j])); sum += Double(row[j]) }
            var expSum = 0.0
            for j in 0..<v { expSum += exp(Double(row[j]) - rowMax) }
            let logZ = rowMax + log(expSum)
            crossEntropy += logZ - Double(row[Int(targets[r])])
            logitMean += sum / Double(v)
            logitMax = max(logitMax, rowMax)
            logZMean += logZ
            logZMax = max(logZMax, logZ)
        }
        crossEntropy /= Double(rows); logitMean /= Double(rows); logZMean /= Double(rows)
    }
}

/// The rows of `probe.csv`, as columns indexed like `step`.
public struct HeldOutProbes: Sendable {
    public var step: [Int] = []
    public var heldOutLoss: [Double] = []
    public var logitMean: [Double] = []
    public var logitMax: [Double] = []
    public var logZMean: [Double] = []
    public var logZMax: [Double] = []
    /// attentionMax[l][i]: layer l at row i.
    public var attentionMax: [[Double]] = []

    public init(contentsOf url: URL, layers: Int) throws {
        let table = try CSVRows(url: url, header: HeldOutProbeObserver.header(layers: layers)).stepsAndNumbers()
        step = table.steps
        (heldOutLoss, logitMean, logitMax) = (table.columns[0], table.columns[1], table.columns[2])
        (logZMean, logZMax) = (table.columns[3], table.columns[4])
        attentionMax = Array(table.columns[5...])
    }
}
