import Foundation
import SpikeRuns
import SpikeFigures
import SpikeModel
import SpikeTraining

/// The methods of the wesar paper's Table 2, each a backbone init plus an optional reparameterisation.
public enum WeSaRMethod: String, CaseIterable, Sendable {
    case smallInit, weightNormalization, sigmaReparam, residualScaling, wesar

    public var label: String {
        switch self {
        case .smallInit: return "Small init"
        case .weightNormalization: return "Weight Normalization"
        case .sigmaReparam: return "sigmaReparam"
        case .residualScaling: return "Residual Scaling"
        case .wesar: return "WeSaR"
        }
    }

    /// WeSaR sets its gates by the He criterion (the paper's section 3.3); the other methods are
    /// applied to the Small-init baseline.
    public var backbone: InitScheme { self == .wesar ? .he : .small }

    /// The methods that draw every raw matrix with one sigma, tuned over the sigma^2 grid.
    public var tunesSigma: Bool { self == .weightNormalization || self == .sigmaReparam || self == .wesar }

    public func reparameterization(sigma2: Double) -> Reparameterization? {
        let sigma = sigma2.squareRoot()
        switch self {
        case .smallInit: return nil
        case .weightNormalization: return .weightNormalization(sigma: sigma)
        case .sigmaReparam: return .sigmaReparam(sigma: sigma)
        case .residualScaling: return .residualScaling
        case .wesar: return .wesar(sigma: sigma)
        }
    }
}

/// Rapid (high LR, small batch, short warm-up) or Stable (half the LR, 4x the batch, a longer
/// warm-up, same tokens), as in the paper's Tables 4-5.
public enum Regime: String, CaseIterable, Sendable {
    case rapid, stable
    public var label: String { self == .rapid ? "Rapid" : "Stable" }
}

/// A model size standing in for one of the paper's (1.3B, 13B).
public struct ModelSize: Sendable {
    public var name: String
    public var paperName: String
    public var model: ModelConfig
}

/// The scaled-down setup of Nishida, Nishida, Saito, "WeSaR", per scale. Every figure and table
/// builds its runs from here, so they share the run cache and the settings tables come from it.
///
/// Paper: Llama-like with a GELU up/down MLP, RMSNorm eps 1e-5, no biases, untied head, Adam (0.9,
/// 0.95), clipping 1.0, weight decay 0.01, z-loss 1e-4, the embedding output reparameterised to std
/// 1; Rapid LR 1e-3, 1M-token batches, warm-up 100; Stable LR 5e-4, 4M-token batches, warm-up 2000.
/// The learning rate here is scaled up for the tiny models (small models tolerate and need larger
/// LRs, Wortsman et al.); the lmc LR sweep found no LR at which a model of this size spikes.
public struct WeSaRSetup: PaperSetup {
    public static let paper = "wesar"
    public let scale: Scale
    /// The stand-ins for 1.3B and 13B.
    public let sizes: [ModelSize]
    public let rapidLR: Double
    public let rapidBatch: Int
    public let rapidWarmup: Int
    public let stableWarmup: Int
    /// Updates of a Rapid run; Stable takes a quarter as many with 4x the batch (same tokens).
    public let rapidSteps: Int
    /// Seeds of Table 2 (the paper: 5 runs per method).
    public let seeds: [UInt64]
    /// The paper's sigma^2 grid (every scale searches all of it) and its default.
    public let sigma2Grid: [Double] = [1e-5, 4e-5, 16e-5, 64e-5, 256e-5]
    public let defaultSigma2 = 4e-5
    /// Held-out web-text sequences on which sigma^2 is chosen.
    public let heldOutSequences: Int
    /// WikiText-2 tokens and LAMBADA passages scored per run (nil: all).
    public let evaluation: EvaluationLimits

    public struct EvaluationLimits: Sendable {
        public var wikitextTokens: Int?
        public var lambadaPassages: Int?
    }

    public static func forScale(_ scale: Scale) -> WeSaRSetup {
        func model(_ d: Int, _ layers: Int, _ heads: Int, _ vocab: Int, _ context: Int) -> ModelConfig {
            ModelConfig(vocabSize: vocab, dModel: d, nLayers: layers, nHeads: heads, contextLength: context, mlpKind: .gelu,
                        normEps: 1e-5, tiedEmbeddings: false, zLoss: 1e-4)
        }
        switch scale {
        case .ci:
            return WeSaRSetup(scale: scale, sizes: [ModelSize(name: "small", paperName: "1.3B", model: model(32, 2, 2, 1024, 64)),
                                                    ModelSize(name: "large", paperName: "13B", model: model(64, 2, 2, 1024, 64))],
                              rapidLR: 1e-2, rapidBatch: 8, rapidWarmup: 5, stableWarmup: 8, rapidSteps: 120, seeds: [1, 2],
                              heldOutSequences: 16,
                              evaluation: EvaluationLimits(wikitextTokens: 4096, lambadaPassages: 64))
        case .default:
            return WeSaRSetup(scale: scale, sizes: [ModelSize(name: "small", paperName: "1.3B", model: model(128, 4, 4, 4096, 128)),
                                                    ModelSize(name: "large", paperName: "13B", model: model(256, 6, 4, 4096, 128))],
                              rapidLR: 1e-2, rapidBatch: 16, rapidWarmup: 10, stableWarmup: 25, rapidSteps: 400, seeds: [1, 2, 3, 4, 5],
                              heldOutSequences: 64,
                              evaluation: EvaluationLimits(wikitextTokens: 65536, lambadaPassages: 1000))
        case .large:
            return WeSaRSetup(scale: scale, sizes: [ModelSize(name: "small", paperName: "1.3B", model: model(256, 6, 4, 8192, 256)),
                                                    ModelSize(name: "large", paperName: "13B", model: model(512, 8, 8, 8192, 256))],
                              rapidLR: 5e-3, rapidBatch: 16, rapidWarmup: 20, stableWarmup: 100, rapidSteps: 2000, seeds: [1, 2, 3, 4, 5],
                              heldOutSequences: 100,
                              evaluation: EvaluationLimits(wikitextTokens: nil, lambadaPassages: nil))
        }
    }

    public func runs(cache: RunCache) -> WeSaRRuns { WeSaRRuns(setup: self, cache: cache) }

    public var small: ModelSize { sizes[0] }
    public var large: ModelSize { sizes[1] }

    /// The half-decade grid of `wesar-lr-sweep` around the Rapid LR (Small init, small model).
    public var sweepLearningRates: [Double] { [rapidLR * 0.3, rapidLR, rapidLR * 3, rapidLR * 10] }

    public func learningRate(_ regime: Regime) -> Double { regime == .rapid ? rapidLR : rapidLR / 2 }
    public func batchSize(_ regime: Regime) -> Int { regime == .rapid ? rapidBatch : 4 * rapidBatch }
    public func warmup(_ regime: Regime) -> Int { regime == .rapid ? rapidWarmup : stableWarmup }
    public func steps(_ regime: Regime) -> Int { regime == .rapid ? rapidSteps : rapidSteps / 4 }

    /// The model of `size` under `method`: the reparameterisation, and the embedding output
    /// multiplied by 1 / (its initial std) so it starts with std 1 ("Spike No More", as in every
    /// wesar experiment).
    public func model(_ method: WeSaRMethod, size: ModelSize, sigma2: Double? = nil) -> ModelConfig {
        var c = size.model
        c.reparameterization = method.reparameterization(sigma2: sigma2 ?? defaultSigma2)
        let embedding = ParameterLayout(c).specs[0]
        c.embeddingMultiplier = Float(1 / initialEffectiveStd(of: embedding, config: c, scheme: method.backbone)!)
        return c
    }

    /// The run of `method` at `size`. Per-tensor statistics (update ratios) are logged for the large
    /// model only, whose runs Fig. 1 plots: Table 2 compares wall-clock times of the small model's
    /// runs, which must not include the logging (it costs a reparameterised model an extra pass).
    public func runConfig(_ method: WeSaRMethod, size: ModelSize, regime: Regime = .rapid, seed: UInt64? = nil,
                          sigma2: Double? = nil) -> RunConfig {
        let lr = learningRate(regime)
        let optimizer = OptimizerConfig(maxLR: lr, minLR: lr / 10, warmupSteps: warmup(regime), totalSteps: steps(regime),
                                        beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01, clipNorm: 1.0)
        return RunConfig(model: model(method, size: size, sigma2: sigma2), optimizer: optimizer, initialization: method.backbone,
                         data: DataSpec(corpus: "webtext"), batchSize: batchSize(regime), seed: seed ?? seeds[0],
                         checkpointEvery: 0, tensorStatistics: size.name == large.name)
    }

    public static func label(_ method: WeSaRMethod, size: ModelSize, regime: Regime, seed: UInt64, sigma2: Double?) -> String {
        "\(method.label) \(size.paperName) \(regime.label) seed \(seed)" + (sigma2.map { " sigma2 \(formatLR($0))" } ?? "")
    }
}
