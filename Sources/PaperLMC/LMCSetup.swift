import Foundation
import SpikeRuns
import SpikeAnalysis
import SpikeFigures
import SpikeModel
import SpikeTraining

/// The scaled-down setup of Sugiura, Kurita, Oda, "Analysis of the impact of loss spikes" (lmc),
/// per scale. Every figure and table of the paper builds its runs from here, so they share the
/// run cache and the settings tables come from these values.
///
/// The paper trains Llama-3.2-1B (SwiGLU, RMSNorm, RoPE, tied embeddings) with AdamW (0.9, 0.999,
/// 1e-8) from identical initial weights, checkpoints every 50 steps, in three settings: (1) LR_high
/// without clipping (spikes), (2) LR_high with clipping 1.0, (3) LR_high / 2 without clipping.
/// Its checkpoints 50-950 all lie inside a 1,000-step warm-up of a 35,075-step run, where the LR is
/// high and still rising. Here the settings train in the regime where the spike map
/// (`SpikeMapGrid`) found this suite's models spiking: its model, its schedule (a short warm-up,
/// then the LR held: the high-LR early phase of a long run), and the LR, tokens per step and beta2
/// of its best cell (`SpikeRegime`). Each setting trains over `seeds`.
public struct LMCSetup: PaperSetup {
    public static let paper = "lmc"
    public let scale: Scale
    /// The search for the spiking regime. The settings take its model, warm-up, weight decay and
    /// held-out probe, and the LR, batch and beta2 of its best cell.
    public let map: SpikeMapGrid
    public let totalSteps: Int
    public let checkpointEvery: Int
    /// Every setting trains once per seed (Table 1's per-seed rows); the figures use one of them
    /// (`ChosenSettings.figureSeed`).
    public let seeds: [UInt64]
    /// Setting (2)'s clipping threshold is this quantile of setting (1)'s gradient norms after the
    /// warm-up (`clipNorm(settingOne:)`).
    public let clipQuantile = 0.9
    /// Held-out sequences for the landscape losses (the paper: the first 100 training examples).
    public let evaluationSequences: Int

    public var model: ModelConfig { map.model }
    public var warmupSteps: Int { map.warmupSteps }
    public var weightDecay: Double { map.weightDecay }
    /// Checkpoints that become nodes of the LMC graphs and rows of the distance matrices.
    public var nodeSteps: [Int] { Array(stride(from: checkpointEvery, to: totalSteps, by: checkpointEvery)) }

    public static func forScale(_ scale: Scale) -> LMCSetup {
        let map = SpikeMapGrid.forScale(scale)
        switch scale {
        case .ci:
            return LMCSetup(scale: scale, map: map, totalSteps: 200, checkpointEvery: 20, seeds: [1, 2], evaluationSequences: 20)
        case .default:
            // As long as the map's runs (400 steps), so setting (1) is a cell of the map, checkpointed.
            return LMCSetup(scale: scale, map: map, totalSteps: 400, checkpointEvery: 50, seeds: [1, 2, 3, 4, 5],
                            // 50 rather than the paper's 100 examples keeps `make lmc` within its
                            // budget: the LMC graphs cost one forward pass over this set per alpha.
                            evaluationSequences: 50)
        case .large:
            return LMCSetup(scale: scale, map: map, totalSteps: 1000, checkpointEvery: 50, seeds: [1, 2, 3, 4, 5],
                            evaluationSequences: 100)
        }
    }

    /// The runs of every lmc figure (`FigureContext.runs`): the map, the settings, the LR sweep.
    public func runs(cache: RunCache) -> LMCRuns { LMCRuns(setup: self, cache: cache) }

    /// A run of this setup in `regime` at learning rate `lr`, clipped at `clipNorm` (nil: not
    /// clipped): the map's run of that cell, `totalSteps` long, checkpointed every
    /// `checkpointEvery` steps. All runs of one seed share the initial weights and the data order.
    public func runConfig(lr: Double, clipNorm: Double?, regime: SpikeRegime, seed: UInt64) -> RunConfig {
        var config = map.config(lr: lr, batchSize: regime.batchSize, beta2: regime.beta2, seed: seed)
        config.optimizer.totalSteps = totalSteps
        config.optimizer.clipNorm = clipNorm
        config.checkpointEvery = checkpointEvery
        return config
    }

    public var clipRule: String {
        "clipNorm of (2) = the \(Int(100 * clipQuantile))th percentile of setting (1)'s gradient norms after the warm-up, over every seed, "
            + "to two significant digits. The paper clips at 1.0, which is the 99th percentile here: it almost never acts, so it cannot play "
            + "the role the paper gives it (clipping the spike's large gradients)."
    }

    /// `clipRule` applied to the gradient-norm logs of setting (1)'s runs.
    public func clipNorm(settingOne logs: [[Double]]) -> Double {
        let norms = logs.flatMap { $0.dropFirst(warmupSteps) }.filter(\.isFinite).sorted()
        guard !norms.isEmpty else { return 1 }
        let q = norms[Int(clipQuantile * Double(norms.count - 1))]
        let digits = pow(10, 1 - log10(q).rounded(.down))   // 100 for q in [0.1, 1)
        return (q * digits).rounded() / digits
    }

    /// The run label of a config of this setup: "lr=1e-2, clip 1.0, seed 1".
    public static func label(_ config: RunConfig) -> String {
        "lr=\(formatLR(config.optimizer.maxLR)), \(config.optimizer.clipLabel), seed \(config.seed)"
    }

    /// The schedule and batch in words, for tables' notes.
    public func summary(_ regime: SpikeRegime) -> String {
        "Model d=\(model.dModel), \(model.nLayers) layers, vocab \(model.vocabSize), context \(model.contextLength); "
            + "batch \(regime.batchSize) (\(map.tokensPerStep(regime.batchSize)) tokens per step), beta2 \(regime.beta2); "
            + "\(totalSteps) steps, warm-up \(warmupSteps) then constant LR; seeds \(seeds.map(String.init).joined(separator: ", "))."
    }
}
