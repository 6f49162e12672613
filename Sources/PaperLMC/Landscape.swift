import Foundation
import SpikeAnalysis
import SpikeData
import SpikeFigures
import SpikeModel
import SpikeRuns

/// What the landscape figures of lmc (Figs. 11, 12-15) share: one model whose parameter buffer is
/// the single interpolation buffer, and the fixed evaluation set (the first
/// `setup.evaluationSequences` held-out sequences of `contextLength` tokens; the paper uses the
/// first 100 training examples of FineWeb-Edu).
public struct LMCLandscape {
    public let setup: LMCSetup
    public let model: LlamaModel
    public let evaluation: EvaluationBatches
    public let connectivity: ModeConnectivity

    public init(setup: LMCSetup, settings: LMCSettings = LMCSettings()) throws {
        self.setup = setup
        let prepared = try DataPipeline.prepare(vocabularySize: setup.model.vocabSize) { line in
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
        evaluation = try EvaluationBatches(tokens: prepared.heldOut, sequenceCount: setup.evaluationSequences,
                                           sequenceLength: setup.model.contextLength)
        model = try LlamaModel(config: setup.model)
        connectivity = try ModeConnectivity(model: model, evaluation: evaluation, settings: settings)
    }

    /// The checkpoints `steps` of `run`.
    public func checkpoints(_ run: CachedRun, steps: [Int]) throws -> CheckpointSet {
        try CheckpointSet(runDirectory: run.directory, config: setup.model, steps: steps)
    }

    /// A description of the evaluation set, for metadata.
    public var evaluationDescription: String {
        "first \(evaluation.sequenceCount) held-out web-text sequences of \(evaluation.sequenceLength) tokens "
            + "(\(evaluation.tokenCount) scored tokens, batches of \(evaluation.batchSize))"
    }

    /// The note of every landscape figure on what the losses are measured on.
    public var evaluationNote: String {
        "Loss on \(evaluationDescription) (the paper: the first 100 FineWeb-Edu training examples)."
    }

    /// Records the alpha grid and tolerance (`lmc`) and the evaluation set of the landscape.
    public func recordSettings(into result: inout FigureResult) throws {
        try result.setting("lmc", connectivity.settings)
        try result.setting("evaluation_set", evaluationDescription)
    }
}

extension LMCSetup {
    /// The checkpoints a run of this setup saved: every `checkpointEvery` steps and the last step.
    public var checkpointSteps: [Int] {
        var steps = Array(stride(from: checkpointEvery, through: totalSteps, by: checkpointEvery))
        if steps.last != totalSteps { steps.append(totalSteps) }
        return steps
    }

    /// The checkpoint nearest `step` (ties: the earlier one, or the later one with `preferLater`).
    public func nearestCheckpoint(to step: Double, preferLater: Bool = false) -> Int {
        checkpointSteps.min { a, b in
            let da = abs(Double(a) - step), db = abs(Double(b) - step)
            if abs(da - db) > 1e-9 { return da < db }
            return preferLater ? a > b : a < b
        }!
    }
}

/// Checkpoint pairs around a loss spike, in loss-log steps (log row s is the loss of the weights
/// after s updates, i.e. of checkpoint s).
public struct SpikeStraddle: Sendable {
    /// The last checkpoint strictly before the spike's first exceeding step (weights before the spike).
    public var before: Int
    /// The first checkpoint at or after the step where the loss had recovered (or the last checkpoint).
    public var after: Int

    /// nil when no checkpoint lies before the spike start.
    public init?(_ spike: LossSpike, checkpoints: [Int]) {
        guard let before = checkpoints.last(where: { $0 < spike.start }) else { return nil }
        let after = checkpoints.first(where: { $0 >= max(spike.end, spike.start) && $0 > before }) ?? checkpoints.last!
        guard after > before else { return nil }
        self.before = before
        self.after = after
    }
}

/// The spike of a run that the lmc landscape and distance figures analyse: the highest spike that
/// did not diverge (nil when there is none).
public func analysedSpike(_ spikes: [LossSpike]) -> LossSpike? {
    spikes.filter { !$0.diverged }.max { ($0.height ?? 0) < ($1.height ?? 0) }
}
