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
/// 1e-8), warm-up then cosine decay to 1e-5, from identical initial weights, checkpoints every 50
/// steps, in three settings: (1) LR_high without clipping (spikes), (2) LR_high with clipping 1.0,
/// (3) LR_high / 2 without clipping. LR_high is not the paper's 1e-3 here: it is chosen from a
/// half-decade learning-rate sweep of this model (`LearningRateSweep`).
public struct LMCSetup: PaperSetup {
    public static let paper = "lmc"
    public let scale: Scale
    public let model: ModelConfig
    public let batchSize: Int
    public let totalSteps: Int
    public let warmupSteps: Int
    public let checkpointEvery: Int
    public let seed: UInt64
    /// The half-decade learning-rate grid of the sweep (each trained with and without clipping).
    public let learningRates: [Double]
    public let clipNorm: Double
    public let minLRFraction: Double
    public let weightDecay: Double
    /// Held-out sequences for the landscape losses (the paper: the first 100 training examples).
    public let evaluationSequences: Int
    /// Checkpoints that become nodes of the LMC graphs and rows of the distance matrices.
    public var nodeSteps: [Int] { Array(stride(from: checkpointEvery, to: totalSteps, by: checkpointEvery)) }

    public static func forScale(_ scale: Scale) -> LMCSetup {
        switch scale {
        case .ci:
            return LMCSetup(scale: scale,
                            model: ModelConfig(vocabSize: 1024, dModel: 32, nLayers: 2, nHeads: 2, contextLength: 64, mlpKind: .swiglu),
                            batchSize: 8, totalSteps: 200, warmupSteps: 50, checkpointEvery: 20, seed: 1,
                            learningRates: [3e-3, 1e-2, 3e-2], clipNorm: 1, minLRFraction: 0.01, weightDecay: 0.1,
                            evaluationSequences: 20)
        case .default:
            return LMCSetup(scale: scale,
                            model: ModelConfig(vocabSize: 4096, dModel: 128, nLayers: 4, nHeads: 4, contextLength: 128, mlpKind: .swiglu),
                            batchSize: 16, totalSteps: 1000, warmupSteps: 250, checkpointEvery: 50, seed: 1,
                            learningRates: [3e-3, 1e-2, 3e-2, 1e-1], clipNorm: 1, minLRFraction: 0.01, weightDecay: 0.1,
                            // 50 rather than the paper's 100 examples keeps `make lmc` within its 30-minute
                            // budget: the LMC graphs cost one forward pass over this set per alpha.
                            evaluationSequences: 50)
        case .large:
            return LMCSetup(scale: scale,
                            model: ModelConfig(vocabSize: 8192, dModel: 256, nLayers: 6, nHeads: 4, contextLength: 256, mlpKind: .swiglu),
                            batchSize: 8, totalSteps: 2000, warmupSteps: 500, checkpointEvery: 100, seed: 1,
                            learningRates: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1], clipNorm: 1, minLRFraction: 0.01, weightDecay: 0.1,
                            evaluationSequences: 100)
        }
    }

    /// The runs of every lmc figure come from the learning-rate sweep (`FigureContext.sweep`).
    public func runs(cache: RunCache) -> LearningRateSweep { LearningRateSweep(setup: self, cache: cache) }

    /// A run of this setup at learning rate `lr`, with or without clipping. All runs share the
    /// initial weights (same seed and init) and the data order.
    public func runConfig(lr: Double, clipped: Bool) -> RunConfig {
        let optimizer = OptimizerConfig(maxLR: lr, minLR: lr * minLRFraction, warmupSteps: warmupSteps, totalSteps: totalSteps,
                                        beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: weightDecay,
                                        clipNorm: clipped ? clipNorm : nil)
        return RunConfig(model: model, optimizer: optimizer, initialization: .default, data: DataSpec(corpus: "webtext"),
                         batchSize: batchSize, seed: seed, checkpointEvery: checkpointEvery)
    }

    /// The run label of a config of this setup: "lr=1e-2, clip 1.0" or "lr=1e-2, no clip".
    public static func label(_ config: RunConfig) -> String {
        "lr=\(formatLR(config.optimizer.maxLR)), \(config.optimizer.clipLabel)"
    }
}
