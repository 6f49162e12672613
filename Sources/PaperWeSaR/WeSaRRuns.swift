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

/// WikiText-2 and LAMBADA perplexity of a run's final weights.
public struct Perplexities: Codable, Equatable, Sendable {
    public var wikitext: Double
    public var lambada: Double
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

    /// The final weights of a run, merged into a plain model (the merged model is what the paper
    /// evaluates and what `spikelab export` writes).
    public func finalModel(_ r: WeSaRRun) throws -> LlamaModel {
        guard !r.run.diverged, let last = r.run.checkpointSteps.last else {
            throw FigureError("\(r.run.label) (\(r.run.directory.path)) diverged or has no checkpoint to evaluate")
        }
        let model = try LlamaModel(config: r.run.config.model)
        try model.loadWeights(from: SafetensorsFile(contentsOf: r.run.weightsURL(step: last)))
        return try model.merged()
    }

    /// Mean cross-entropy of the final weights on the first `setup.heldOutSequences` held-out
    /// web-text sequences (the set sigma^2 is chosen on; never the test sets).
    public func heldOutLoss(_ r: WeSaRRun) throws -> Double {
        let key = "heldout_loss_\(setup.heldOutSequences)x\(r.run.config.model.contextLength).json"
        return try cached(r, key) {
            let prepared = try DataPipeline.prepare(vocabularySize: r.run.config.model.vocabSize) { _ in }
            let batches = try EvaluationBatches(tokens: prepared.heldOut, sequenceCount: setup.heldOutSequences,
                                                sequenceLength: r.run.config.model.contextLength)
            return try batches.meanLoss(model: try finalModel(r))
        }
    }

    /// WikiText-2 token perplexity and LAMBADA target perplexity of the final weights.
    public func perplexities(_ r: WeSaRRun) throws -> Perplexities {
        let limits = setup.evaluation
        let key = "eval_wikitext\(limits.wikitextTokens.map(String.init) ?? "all")_lambada\(limits.lambadaPassages.map(String.init) ?? "all").json"
        return try cached(r, key) {
            let tokenizer = try BPETokenizer.load(from: r.run.directory.appendingPathComponent("tokenizer.json"))
            let options = EvaluationOptions(wikitextMaxTokens: limits.wikitextTokens, lambadaLimit: limits.lambadaPassages)
            let report = try Evaluation.run(scorer: try finalModel(r), tokenizer: tokenizer, options: options)
            return Perplexities(wikitext: report.wikitext!.tokenPerplexity, lambada: report.lambada!.perplexity)
        }
    }

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

    /// `compute` once per run directory and key; later calls read the stored JSON.
    private func cached<T: Codable>(_ r: WeSaRRun, _ key: String, _ compute: () throws -> T) throws -> T {
        let url = r.run.directory.appendingPathComponent(key)
        if let data = try? Data(contentsOf: url), let value = try? JSONDecoder().decode(T.self, from: data) { return value }
        let value = try compute()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(value), to: url)
        return value
    }
}

/// What every wesar figure starts from: the setup of the current scale, its runs, and the
/// figure's output folder with a results record to fill.
public struct WeSaRFigureContext {
    public let setup: WeSaRSetup
    public let runs: WeSaRRuns
    public let output: FigureOutput
    public var result: FigureResult

    public init(name: String, figure: String, title: String) throws {
        setup = try WeSaRSetup.fromEnvironment()
        runs = WeSaRRuns(setup: setup)
        output = try FigureOutput(paper: "wesar", name: name)
        result = output.result(figure: figure, title: title)
    }
}
