import Foundation
import SpikeFigures
import SpikeModel
import SpikeRuns
import SpikeTraining

/// The scaled-down setup of Molybog et al., "A Theory on Adam Instability in Large-Scale Machine
/// Learning" (adam), per scale. The paper has no settings of its own: its baseline is the suite's
/// spike regime, the spike map's best cell (`SpikeRegime`, the lmc setting (1)), trained with
/// Adam's instruments on (update histograms, gradient and sqrt(v) statistics) and checkpoints for
/// the rewinds. The mitigations each change one thing of that baseline.
public struct AdamSetup: PaperSetup {
    public static let paper = "adam"
    public let scale: Scale
    /// The regime search shared with lmc (the same cached runs).
    public let map: SpikeMapGrid
    /// Updates of the baseline (the map's run length).
    public var totalSteps: Int { map.steps }
    public let checkpointEvery: Int
    /// How often the update histograms and Adam statistics record (K).
    public let statisticsEvery: Int
    /// How many of the regime's spiking seeds train the mitigations (the first ones).
    public let seedCount: Int
    /// The eps sweep (the baseline's 1e-8 among them); 0 means 0/0 := 0.
    public let epsilons: [Double] = [1e-6, 1e-8, 1e-10, 1e-12, 0]
    public let lrDivisors: [Double] = [2, 4]
    /// GLM-130B's embedding-gradient shrink alpha.
    public let shrinkAlpha: Float = 0.1
    public let batchMultipliers: [Int] = [1, 2, 4]
    /// Rewind: restart from the last checkpoint at least this fraction of the run before a spike's
    /// start (PaLM: about 100 steps), and skip the batches from there to this fraction past it.
    public let rewindBefore = 0.1
    public let skipPast = 0.1

    public static func forScale(_ scale: Scale) -> AdamSetup {
        let map = SpikeMapGrid.forScale(scale)
        switch scale {
        case .ci: return AdamSetup(scale: scale, map: map, checkpointEvery: 10, statisticsEvery: 5, seedCount: 1)
        case .default: return AdamSetup(scale: scale, map: map, checkpointEvery: 20, statisticsEvery: 10, seedCount: 2)
        case .large: return AdamSetup(scale: scale, map: map, checkpointEvery: 50, statisticsEvery: 10, seedCount: 3)
        }
    }

    public func runs(cache: RunCache) -> AdamRuns { AdamRuns(setup: self, cache: cache) }

    /// The baseline: the regime's cell of the map for `seed`, with checkpoints and the instruments.
    public func baseline(_ regime: SpikeRegime, seed: UInt64) -> RunConfig {
        var config = map.config(lr: regime.lr, batchSize: regime.batchSize, beta2: regime.beta2, seed: seed)
        config.checkpointEvery = checkpointEvery
        config.adamStatistics = ObserverSchedule(every: statisticsEvery)
        config.updateHistograms = ObserverSchedule(every: statisticsEvery)
        return config
    }

    /// PaLM's restart step (the last baseline checkpoint at least `rewindBefore` of the run before
    /// a spike starting at `spikeStart`) and the end of the skipped batches (`skipPast` of the run
    /// past the start); nil when no checkpoint lies that early.
    public func rewindWindow(spikeStart: Int) -> (restart: Int, skipTo: Int)? {
        let latest = spikeStart - Int((rewindBefore * Double(totalSteps)).rounded(.up))
        let restart = (latest / checkpointEvery) * checkpointEvery
        let skipTo = min(totalSteps, spikeStart + Int((skipPast * Double(totalSteps)).rounded(.up)))
        guard restart >= checkpointEvery, skipTo > restart else { return nil }
        return (restart, skipTo)
    }

    /// The settings line of every adam figure's metadata.
    public func summary(_ regime: SpikeRegime) -> String {
        "Baseline = the spike map's regime (\(regime.description), \(map.tokensPerStep(regime.batchSize)) tokens per step): "
            + "d=\(map.model.dModel), \(map.model.nLayers) layers, vocab \(map.model.vocabSize), context \(map.model.contextLength), "
            + "\(totalSteps) steps, warm-up \(map.warmupSteps) then constant LR, AdamW (0.9, beta2, 1e-8), weight decay \(map.weightDecay), "
            + "no clipping; instruments every \(statisticsEvery) steps; update bins: \(UpdateBins.description)."
    }
}
