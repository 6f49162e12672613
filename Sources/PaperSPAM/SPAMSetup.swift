import Foundation
import SpikeFigures
import SpikeModel
import SpikeRuns
import SpikeTraining

/// The four methods of the spam paper's comparison.
public enum SPAMMethod: String, CaseIterable, Sendable {
    case adam, adamClip, spam, spamSparse

    public var label: String {
        switch self {
        case .adam: return "Adam"
        case .adamClip: return "Adam + clip 1.0"
        case .spam: return "SPAM"
        case .spamSparse: return "SPAM, density 0.25"
        }
    }
}

/// A model size standing in for one of the paper's (LLaMA-60M, LLaMA-130M).
public struct SPAMModelSize: Sendable {
    public var name: String
    public var paperName: String
    public var model: ModelConfig
}

/// The scaled-down setup of Huang et al., "SPAM", per scale. Every figure builds its runs from
/// here, so they share the run cache.
///
/// Paper: LLaMA 60M/130M on C4, lr 1e-3, betas (0.9, 0.999), LR warm-up 1000 then cosine to 0.1 x
/// LR, no weight decay, no clipping; 60M trains 10,000 steps. SPAM resets the moments every
/// DeltaT = 500 steps (5 % of that run), warms the step size up over N = 150 steps (1.5 %) after
/// each reset and holds spike clipping off for 20 steps (0.2 %). Here DeltaT, N and the hold-off
/// are the same fractions of the scaled run (`spamConfig`), rounded, at least 1. The LR is raised
/// for the tiny models (small models need larger LRs, Wortsman et al.), and each method gets its
/// own from `learningRateGrid` (`SPAMRuns.tunedLearningRate`), so that no method is compared at an
/// LR that suits another. The default scale centres that grid on 5e-3: with it centred on 1e-2
/// (2026-12-06) every method's best lay at 2.5e-3 or 5e-3, two grid extensions away.
///
/// The larger stand-in is 1.5 times as wide and deep as the smaller, as LLaMA-130M (d 768, 12
/// layers) is to LLaMA-60M (d 512, 8 layers): at the default scale d 96 with 3 layers against d 64
/// with 2, about twice the parameters (the paper's 130M / 60M is 2.2).
public struct SPAMSetup: PaperSetup {
    public static let paper = "spam"
    public let scale: Scale
    public let sizes: [SPAMModelSize]
    public let learningRate: Double
    public let batchSize: Int
    public let steps: Int
    public let seeds: [UInt64]
    public let evaluation: RunEvaluation

    /// The paper's run (LLaMA-60M) whose fractions DeltaT, N and the hold-off keep.
    public static let paperSteps = 10_000, paperResetInterval = 500, paperWarmup = 150, paperHoldOff = 20

    public static func forScale(_ scale: Scale) -> SPAMSetup {
        func model(_ d: Int, _ layers: Int, _ heads: Int, _ vocab: Int, _ context: Int) -> ModelConfig {
            ModelConfig(vocabSize: vocab, dModel: d, nLayers: layers, nHeads: heads, contextLength: context, mlpKind: .swiglu,
                        normEps: 1e-6, tiedEmbeddings: false)
        }
        switch scale {
        case .ci:
            return SPAMSetup(scale: scale, sizes: [SPAMModelSize(name: "small", paperName: "60M", model: model(32, 2, 2, 1024, 64)),
                                                   SPAMModelSize(name: "large", paperName: "130M", model: model(48, 2, 2, 1024, 64))],
                             learningRate: 1e-2, batchSize: 8, steps: 100, seeds: [1, 2],
                             evaluation: RunEvaluation(wikitextTokens: 4096, lambadaPassages: 64, heldOutSequences: 16))
        case .default:
            return SPAMSetup(scale: scale, sizes: [SPAMModelSize(name: "small", paperName: "60M", model: model(64, 2, 4, 4096, 128)),
                                                   SPAMModelSize(name: "large", paperName: "130M", model: model(96, 3, 4, 4096, 128))],
                             learningRate: 5e-3, batchSize: 16, steps: 400, seeds: [1, 2, 3],
                             evaluation: RunEvaluation(wikitextTokens: 65536, lambadaPassages: 1000, heldOutSequences: 64))
        case .large:
            return SPAMSetup(scale: scale, sizes: [SPAMModelSize(name: "small", paperName: "60M", model: model(128, 4, 4, 8192, 256)),
                                                   SPAMModelSize(name: "large", paperName: "130M", model: model(256, 6, 4, 8192, 256))],
                             learningRate: 5e-3, batchSize: 16, steps: 2000, seeds: [1, 2, 3],
                             evaluation: RunEvaluation(wikitextTokens: nil, lambadaPassages: nil, heldOutSequences: 100))
        }
    }

    public func runs(cache: RunCache) -> SPAMRuns { SPAMRuns(setup: self, cache: cache) }

    public var small: SPAMModelSize { sizes[0] }

    /// The LRs each method is tuned over: half, one and two times `learningRate`. Where the best
    /// lies on an edge, the grid goes on by the same factor past it, `gridExtensions` times at most.
    public var learningRateGrid: [Double] { [learningRate / 2, learningRate, learningRate * 2] }
    public static let gridExtensions = 2

    /// The steps at the end of a run whose mean training loss ranks the LRs (the last 10 %): the
    /// training loss of batches the model has not seen, so the evaluated sets play no part in it.
    public var tuningWindow: Int { max(1, steps / 10) }

    /// `paperValue` of the paper's 10,000-step run as the same fraction of this run, at least 1.
    public func scaled(_ paperValue: Int) -> Int { max(1, Int((Double(paperValue) * Double(steps) / Double(Self.paperSteps)).rounded())) }

    /// SPAM with DeltaT, N and the clipping hold-off scaled to this run (theta the paper's 5000).
    public func spamConfig(density: Double) -> SPAMConfig {
        SPAMConfig(theta: 5000, resetInterval: scaled(Self.paperResetInterval), warmupSteps: scaled(Self.paperWarmup),
                   clippingHoldOff: scaled(Self.paperHoldOff), density: density)
    }

    /// The run of `method` at `size` with peak LR `learningRate` (nil: the setup's): the paper's
    /// recipe (LR warm-up 10 % of the run, cosine to 0.1 x LR, betas (0.9, 0.999), no weight
    /// decay), Adam eps 1e-8 and SPAM's reference eps 1e-6.
    public func runConfig(_ method: SPAMMethod, size: SPAMModelSize, seed: UInt64, learningRate: Double? = nil) -> RunConfig {
        let lr = learningRate ?? self.learningRate
        let spam: SPAMConfig? = switch method {
        case .adam, .adamClip: nil
        case .spam: spamConfig(density: 1)
        case .spamSparse: spamConfig(density: 0.25)
        }
        let optimizer = OptimizerConfig(maxLR: lr, minLR: lr / 10, warmupSteps: steps / 10, totalSteps: steps,
                                        beta1: 0.9, beta2: 0.999, eps: spam == nil ? 1e-8 : 1e-6, weightDecay: 0,
                                        clipNorm: method == .adamClip ? 1.0 : nil, spam: spam)
        return RunConfig(model: size.model, optimizer: optimizer, initialization: .default, data: DataSpec(corpus: "webtext"),
                         batchSize: batchSize, seed: seed, checkpointEvery: 0)
    }

    public static func label(_ method: SPAMMethod, size: SPAMModelSize, seed: UInt64, learningRate: Double) -> String {
        "\(method.label) \(size.paperName) seed \(seed) lr \(formatLR(learningRate))"
    }
}
