import Foundation
import SpikeAnalysis
import SpikeFigures
import SpikeRuns
import SpikeTraining

/// One change to the baseline that the adam paper (or the practice it cites) says makes spikes
/// rarer, or a point of its eps and batch-size sweeps.
public struct Mitigation: Sendable {
    public enum Kind: String, Sendable { case baseline, learningRate, eps, embeddingShrink, rewind, batchSize }
    public var id: String
    public var kind: Kind
    public var label: String
    /// nil: not applicable to this seed (a rewind needs a spike in the baseline).
    public var config: RunConfig?
}

/// A mitigation as trained for one seed, with what the detector found.
public struct MitigationRun {
    public var mitigation: Mitigation
    public var seed: UInt64
    public var run: CachedRun?
    public var spikes: [LossSpike]
    public var dataOutliers: [LossSpike]
    /// Mean of the last 5 % of the losses (infinite for a diverged run).
    public var finalLoss: Double
    public var largestSpike: Double { spikes.compactMap(\.height).max() ?? 0 }
}

/// Trains (or reuses) the baseline and every mitigation for the seeds the setup takes.
public struct AdamRuns {
    public let setup: AdamSetup
    public let cache: RunCache
    public let detector = SpikeDetector.standard

    public init(setup: AdamSetup, cache: RunCache = RunCache()) {
        self.setup = setup
        self.cache = cache
    }

    /// The suite's spike regime, from the spike map (the runs lmc trains too).
    public func regime() throws -> SpikeRegime { try SpikeMap(grid: setup.map, cache: cache).regime() }

    public static let seedRule = "the first seeds of the regime's cell whose map run has a recovered spike (the grid's first seeds if none has)"

    /// The seeds of `seedRule`.
    public func seeds(_ regime: SpikeRegime) -> [UInt64] {
        Array((regime.spikingSeeds.isEmpty ? setup.map.seeds : regime.spikingSeeds).prefix(setup.seedCount))
    }

    /// Trains every run of the adam figures that is not cached yet, `RunCache.lanes()` at a time:
    /// the map (it chooses the regime), the baselines of the seeds, then every mitigation of every
    /// seed (a rewind restarts from its baseline's checkpoint). Every adam figure calls it first;
    /// the numbers do not depend on it.
    public func trainAll() throws {
        let regime = try regime()
        let seeds = seeds(regime)
        try cache.trainAll(seeds.compactMap { request(baselineMitigation(regime, seed: $0), seed: $0) })
        try cache.trainAll(try seeds.flatMap { seed in
            try changes(baseline(regime, seed: seed), regime: regime).compactMap { request($0, seed: seed) }
        })
    }

    /// The baseline of `seed`, trained with its instruments.
    public func baseline(_ regime: SpikeRegime, seed: UInt64) throws -> MitigationRun {
        try measure(baselineMitigation(regime, seed: seed), seed: seed)
    }

    private func baselineMitigation(_ regime: SpikeRegime, seed: UInt64) -> Mitigation {
        Mitigation(id: "baseline", kind: .baseline, label: "baseline (\(regime.description))", config: setup.baseline(regime, seed: seed))
    }

    /// The run of `m` for `seed` (nil where it does not apply).
    private func request(_ m: Mitigation, seed: UInt64) -> RunRequest? {
        m.config.map { RunRequest($0, label: "adam \(m.id) seed \(seed)") }
    }

    /// Every mitigation of `seed`, the baseline first.
    public func mitigations(_ regime: SpikeRegime, seed: UInt64) throws -> [MitigationRun] {
        let baseline = try baseline(regime, seed: seed)
        return [baseline] + (try changes(baseline, regime: regime).map { try measure($0, seed: seed) })
    }

    private func measure(_ m: Mitigation, seed: UInt64) throws -> MitigationRun {
        guard let request = request(m, seed: seed) else {
            return MitigationRun(mitigation: m, seed: seed, run: nil, spikes: [], dataOutliers: [], finalLoss: .nan)
        }
        let run = try cache.run(request)
        let (spikes, dataOutliers) = try run.spikesAndOutliers(detector)
        return MitigationRun(mitigation: m, seed: seed, run: run, spikes: spikes, dataOutliers: dataOutliers, finalLoss: run.finalLoss)
    }

    /// The baseline with one thing changed each (no instruments or checkpoints: the loss log and
    /// the held-out probe are what the table needs).
    private func changes(_ baseline: MitigationRun, regime: SpikeRegime) throws -> [Mitigation] {
        var base = baseline.run!.config
        base.adamStatistics = nil; base.updateHistograms = nil; base.checkpointEvery = 0
        func change(_ id: String, _ kind: Mitigation.Kind, _ label: String, _ edit: (inout RunConfig) -> Void) -> Mitigation {
            var c = base
            edit(&c)
            return Mitigation(id: id, kind: kind, label: label, config: c)
        }
        var list: [Mitigation] = []
        for d in setup.lrDivisors {
            list.append(change("lr_div_\(Int(d))", .learningRate, "LR / \(Int(d))") { $0.optimizer.maxLR /= d; $0.optimizer.minLR /= d })
        }
        for eps in setup.epsilons where eps != base.optimizer.eps {
            list.append(change("eps_\(eps == 0 ? "0" : formatLR(eps))", .eps, eps == 0 ? "eps 0 (0/0 := 0)" : "eps \(formatLR(eps))") {
                $0.optimizer.eps = eps
            })
        }
        list.append(change("embedding_shrink", .embeddingShrink, "embedding-gradient shrink alpha \(setup.shrinkAlpha)") {
            $0.model.embeddingGradientShrink = setup.shrinkAlpha
        })
        list.append(rewind(baseline))
        for k in setup.batchMultipliers where k > 1 {
            list.append(change("batch_x\(k)", .batchSize, "batch x\(k), \(base.optimizer.totalSteps / k) steps (same tokens)") {
                $0.batchSize *= k
                $0.optimizer.totalSteps /= k
                $0.optimizer.warmupSteps /= k
                $0.probe = $0.probe.map { ObserverSchedule(every: max(1, $0.every / k)) }
            })
        }
        return list
    }

    public var rewindRule: String {
        "restart from the last checkpoint at least \(Int(100 * setup.rewindBefore)) % of the run before the baseline's first spike, "
            + "skipping the batches from there to \(Int(100 * setup.skipPast)) % of the run past the spike's start (one round; PaLM repeats it per spike)"
    }

    /// PaLM's mitigation, one round: rewind before the baseline's first spike and skip its batches.
    private func rewind(_ baseline: MitigationRun) -> Mitigation {
        let config = baseline.run!.config
        var m = Mitigation(id: "rewind_skip", kind: .rewind, label: "rewind + skip batches", config: nil)
        guard let spike = baseline.spikes.first else { m.label += " (no spike to rewind from)"; return m }
        guard let (restart, skipTo) = setup.rewindWindow(spikeStart: spike.start) else {
            m.label += " (no checkpoint before the spike)"; return m
        }
        var c = config
        c.rewind = Rewind(parent: RunCache.hash(config), step: restart)
        c.skipBatches = [BatchSkip(from: restart, count: skipTo - restart)]
        m.config = c
        m.label = "rewind to \(restart), skip batches \(restart)..<\(skipTo)"
        return m
    }
}
