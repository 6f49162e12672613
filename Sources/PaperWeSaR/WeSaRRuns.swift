import Foundation
import SpikeAnalysis
import SpikeData
import SpikeFigures
import SpikeKernels
import SpikeModel
import SpikeRuns
import SpikeTraining

/// One trained run of the wesar setup, with what the tables need from it.
public struct WeSaRRun {
    public var method: WeSaRMethod
    public var size: ModelSize
    public var regime: Regime
    public var seed: UInt64
    public var sigma2: Double?
    public var run: CachedRun
    public var spikes: [LossSpike]
}

/// Trains (or reuses) the runs of the wesar figures and evaluates them; evaluations are cached in
/// the run directory beside the checkpoints, keyed by what was evaluated.
public struct WeSaRRuns {
    public let setup: WeSaRSetup
    public let cache: RunCache
    public let detector = SpikeDetector.standard

    public init(setup: WeSaRSetup, cache: RunCache = RunCache()) {
        self.setup = setup
        self.cache = cache
    }

    /// A run of `method`. For the methods that tune sigma^2, `sigma2` nil means the grid value
    /// chosen by `bestSigma2` (the paper's default 4e-5 was tuned for its LR of 1e-3; the relative
    /// size of an Adam step, lr / sigma, changes with the scaled-up LR, so sigma is re-chosen).
    public func run(_ method: WeSaRMethod, size: ModelSize, regime: Regime = .rapid, seed: UInt64? = nil,
                    sigma2: Double? = nil) throws -> WeSaRRun {
        let seed = seed ?? setup.seeds[0]
        let sigma = method.tunesSigma ? try (sigma2 ?? bestSigma2(method).best) : nil
        let config = setup.runConfig(method, size: size, regime: regime, seed: seed, sigma2: sigma)
        let run = try cache.run(config, label: WeSaRSetup.label(method, size: size, regime: regime, seed: seed, sigma2: sigma))
        return WeSaRRun(method: method, size: size, regime: regime, seed: seed, sigma2: sigma, run: run,
                        spikes: detector.detect(run.log.loss))
    }

    /// The Small-init baseline (small model, Rapid, first seed) at peak learning rate `lr`.
    public func baseline(lr: Double) throws -> WeSaRRun {
        var config = setup.runConfig(.smallInit, size: setup.small)
        config.optimizer.maxLR = lr
        config.optimizer.minLR = lr / 10
        let run = try cache.run(config, label: "Small init \(setup.small.paperName) Rapid lr \(formatLR(lr))")
        return WeSaRRun(method: .smallInit, size: setup.small, regime: .rapid, seed: config.seed, sigma2: nil, run: run,
                        spikes: detector.detect(run.log.loss))
    }

    /// How the tables evaluate a run (cached in its directory).
    public var evaluation: RunEvaluation {
        RunEvaluation(wikitextTokens: setup.evaluation.wikitextTokens, lambadaPassages: setup.evaluation.lambadaPassages,
                      heldOutSequences: setup.heldOutSequences)
    }

    public func finalModel(_ r: WeSaRRun) throws -> LlamaModel { try evaluation.finalModel(r.run) }
    public func heldOutLoss(_ r: WeSaRRun) throws -> Double { try evaluation.heldOutLoss(r.run) }
    public func perplexities(_ r: WeSaRRun) throws -> Perplexities { try evaluation.perplexities(r.run) }

    /// Wall-clock training time of a run (sum of its step times; not deterministic).
    public func trainingSeconds(_ r: WeSaRRun) throws -> Double { try r.run.trainingSeconds() }

    /// The sigma^2 of the grid with the lowest held-out loss (first seed, Rapid, small size), and
    /// every grid point's loss.
    public func bestSigma2(_ method: WeSaRMethod) throws -> (best: Double, losses: [(sigma2: Double, loss: Double)]) {
        precondition(method.tunesSigma)
        var losses: [(sigma2: Double, loss: Double)] = []
        for sigma2 in setup.sigma2Grid {
            let r = try run(method, size: setup.small, sigma2: sigma2)
            losses.append((sigma2, r.run.diverged ? .infinity : try heldOutLoss(r)))
        }
        return (losses.min { $0.loss < $1.loss }!.sigma2, losses)
    }
}
