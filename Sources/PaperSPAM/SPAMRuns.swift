import Foundation
import SpikeAnalysis
import SpikeFigures
import SpikeModel
import SpikeRuns
import SpikeTraining

/// Trains (or reuses) the runs of the spam figures and scores them.
public struct SPAMRuns {
    public let setup: SPAMSetup
    public let cache: RunCache

    public init(setup: SPAMSetup, cache: RunCache = RunCache()) {
        self.setup = setup
        self.cache = cache
    }

    /// The run of `method` at `size` and `seed`, at `learningRate` (nil: the method's tuned LR).
    public func run(_ method: SPAMMethod, size: SPAMModelSize, seed: UInt64, learningRate: Double? = nil) throws -> CachedRun {
        let lr = try learningRate ?? tunedLearningRate(method).best
        return try cache.run(setup.runConfig(method, size: size, seed: seed, learningRate: lr),
                             label: SPAMSetup.label(method, size: size, seed: seed, learningRate: lr))
    }

    /// Trains every run of the spam figures that is not cached yet, several at once
    /// (`RunCache.trainAll`; the numbers do not depend on it): each method's LR grid (small size,
    /// first seed), then the grid extensions the tuning asks for, then every method at its tuned
    /// LR at every size and seed with Adam's first GSS pass, then the second pass. Each figure calls
    /// it first, so whichever `make spam` runs first trains the paper's runs side by side.
    public func trainAll() throws {
        let small = setup.small, first = setup.seeds[0]
        try cache.trainAll(SPAMMethod.allCases.flatMap { method in
            setup.learningRateGrid.map { request(method, size: small, seed: first, learningRate: $0) }
        })
        let learningRates = try Dictionary(uniqueKeysWithValues: SPAMMethod.allCases.map { ($0, try tunedLearningRate($0).best) })
        var table: [RunRequest] = []
        for size in setup.sizes {
            for method in SPAMMethod.allCases {
                table += setup.seeds.map { request(method, size: size, seed: $0, learningRate: learningRates[method]!) }
            }
        }
        let passes = gradientSpikePasses(learningRate: learningRates[.adam]!)
        try cache.trainAll(table + [passes.one])
        try cache.trainAll([passes.two])
    }

    private func request(_ method: SPAMMethod, size: SPAMModelSize, seed: UInt64, learningRate: Double) -> RunRequest {
        RunRequest(setup.runConfig(method, size: size, seed: seed, learningRate: learningRate),
                   label: SPAMSetup.label(method, size: size, seed: seed, learningRate: learningRate))
    }

    /// Adam's two GSS runs (small size, first seed, at `learningRate`): pass 1 sums |g| per
    /// coordinate, pass 2 replays the same training and counts GSS > 50 against pass 1's mean.
    private func gradientSpikePasses(learningRate: Double) -> (one: RunRequest, two: RunRequest) {
        var one = setup.runConfig(.adam, size: setup.small, seed: setup.seeds[0], learningRate: learningRate)
        one.gradientSpikeScores = GradientSpikeScores()
        var two = one
        two.gradientSpikeScores = GradientSpikeScores(meanOf: RunCache.hash(one))
        let label = SPAMSetup.label(.adam, size: setup.small, seed: setup.seeds[0], learningRate: learningRate)
        return (RunRequest(one, label: label + " GSS pass 1"), RunRequest(two, label: label + " GSS pass 2"))
    }

    /// The gradient spike scores of Adam's run (small size, first seed, its tuned LR): pass 1 (sum
    /// |g|) and pass 2 (the replay that counts GSS > 50), returned as pass 2's `gradient_spikes.csv`.
    public func gradientSpikes() throws -> (run: CachedRun, spikes: GradientSpikes) {
        let passes = gradientSpikePasses(learningRate: try tunedLearningRate(.adam).best)
        _ = try cache.run(passes.one.config, label: passes.one.label)
        let run = try cache.run(passes.two.config, label: passes.two.label)
        return (run, try GradientSpikes(contentsOf: run.directory.appendingPathComponent(GradientSpikeFiles.spikesFileName)))
    }

    /// Bytes of optimiser state of `method` at `size` (`Optimizer.stateBytes`: every buffer a checkpoint keeps).
    public func stateBytes(_ method: SPAMMethod, size: SPAMModelSize) -> Int {
        let config = setup.runConfig(method, size: size, seed: setup.seeds[0])
        return config.optimizer.makeOptimizer(layout: ParameterLayout(config.model), seed: config.seed).stateBytes
    }

    /// Per seed: perplexities, held-out loss and training seconds of `method` at `size`, at its tuned LR.
    public func scores(_ method: SPAMMethod, size: SPAMModelSize) throws -> MethodScores {
        let lr = try tunedLearningRate(method).best
        var s = MethodScores(method: method, size: size.name, learningRate: lr, stateBytes: stateBytes(method, size: size))
        for seed in setup.seeds {
            let r = try run(method, size: size, seed: seed, learningRate: lr)
            let p = try setup.evaluation.perplexities(r)
            s.wikitext.append(p.wikitext)
            s.lambada.append(p.lambada)
            s.heldOut.append(try setup.evaluation.heldOutLoss(r))
            s.seconds.append(try r.trainingSeconds())
        }
        return s
    }
}

/// One method at one size over the seeds.
public struct MethodScores: Sendable {
    public var method: SPAMMethod
    public var size: String
    public var learningRate: Double
    public var stateBytes: Int
    public var wikitext: [Double] = []
    public var lambada: [Double] = []
    public var heldOut: [Double] = []
    public var seconds: [Double] = []

    /// Mean and standard deviation over the seeds of one of the per-seed columns.
    public func mean(_ xs: [Double]) -> (mean: Double, std: Double) { Statistics.meanAndStandardDeviation(xs) }
    public var meanSeconds: Double { Statistics.mean(seconds) }

    /// The deterministic numbers, keyed `<size>.<method>.<what>`.
    public func record(into numbers: inout [String: Double]) {
        let key = "\(size).\(method.rawValue)"
        for (name, xs) in [("wikitext", wikitext), ("lambada", lambada), ("heldout_loss", heldOut)] {
            let (m, s) = mean(xs)
            numbers["\(key).\(name)_mean"] = m
            numbers["\(key).\(name)_std"] = s
        }
        numbers["\(key).state_bytes"] = Double(stateBytes)
        numbers["\(key).lr"] = learningRate
    }
}
