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

    public init(setup: LMCSetup, settings: SpikeAnalysis.LMCSettings = SpikeAnalysis.LMCSettings()) throws {
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

public enum RankStatistics {
    /// Ranks 1...n with ties given their average rank.
    public static func ranks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var r = [Double](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
            let average = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = average }
            i = j + 1
        }
        return r
    }

    /// Pearson correlation; NaN when either side is constant or fewer than 2 values.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        let n = Double(x.count)
        guard x.count >= 2 else { return .nan }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        guard sxx > 0, syy > 0 else { return .nan }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Spearman rank correlation (Pearson on tie-averaged ranks).
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double { pearson(ranks(x), ranks(y)) }

    public static func median(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let s = x.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
    }

    public static func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }
}

/// Wall-clock seconds since `start`.
public func secondsSince(_ start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// The spike of a run that the lmc landscape and distance figures analyse: the highest spike that
/// did not diverge (nil when there is none).
public func analysedSpike(_ spikes: [LossSpike]) -> LossSpike? {
    spikes.filter { !$0.diverged }.max { ($0.height ?? 0) < ($1.height ?? 0) }
}
