import Foundation
import SpikeAnalysis
import SpikeFigures
import SpikeRuns
import SpikeTraining

/// One run of the LR sweep, summarised.
public struct SweepPoint {
    public var lr: Double
    public var run: CachedRun
    /// Optimisation spikes (what the claims count).
    public var spikes: [LossSpike]
    /// Events of one or two hard batches (reported, not counted as spikes).
    public var dataOutliers: [LossSpike]
    public var finalLoss: Double          // CachedRun.finalLoss
    public var maxJump: Double            // largest detected spike height (0 without spikes)
    public var recoveredSpikes: Int { spikes.filter(\.recovered).count }
    public var clipped: Bool { run.config.optimizer.clippingEnabled }
}

/// The runs of every lmc figure: the spike map, the regime it chooses, the three settings over
/// the setup's seeds, and an LR sweep with and without clipping in that regime.
public struct LMCRuns {
    public let setup: LMCSetup
    public let cache: RunCache
    public let detector = SpikeDetector.standard

    public init(setup: LMCSetup, cache: RunCache = RunCache()) {
        self.setup = setup
        self.cache = cache
    }

    /// The spike map over the setup's grid (trained or reused).
    public var map: SpikeMap { SpikeMap(grid: setup.map, cache: cache) }

    /// The regime the settings train in, by `SpikeRegime.ruleText`.
    public func regime() throws -> SpikeRegime { try map.regime() }

    /// Trains every run of the lmc figures that is not cached yet, `RunCache.lanes()` at a time, in
    /// the waves their dependencies allow: the map (it chooses the regime), setting (1) of every
    /// seed (its gradient norms set (2)'s clipping, its spikes the figure seed), (2) and (3) of
    /// every seed, then the LR sweep and the knob probes. Every lmc figure calls it first, so the
    /// first one to run trains the paper's runs; the numbers do not depend on it.
    public func trainAll() throws {
        let regime = try regime()
        let ones = setup.seeds.map { request(lr: regime.lr, clipNorm: nil, regime: regime, seed: $0) }
        try cache.trainAll(ones)
        let clipNorm = setup.clipNorm(settingOne: try ones.map { try cache.run($0).log.gradNorm })
        try cache.trainAll(setup.seeds.flatMap { seed in
            [request(lr: regime.lr, clipNorm: clipNorm, regime: regime, seed: seed), request(lr: regime.lr / 2, clipNorm: nil, regime: regime, seed: seed)]
        })
        let settings = try settings()
        try cache.trainAll(sweepLearningRates(settings).map { request(lr: $0.lr, clipNorm: $0.clipNorm, regime: regime, seed: settings.figureSeed) }
                           + setup.knobProbes(settings).map { RunRequest($0.config, label: $0.label) })
    }

    private func request(lr: Double, clipNorm: Double?, regime: SpikeRegime, seed: UInt64) -> RunRequest {
        let config = setup.runConfig(lr: lr, clipNorm: clipNorm, regime: regime, seed: seed)
        return RunRequest(config, label: LMCSetup.label(config))
    }

    /// One run in `regime`, with its detected events.
    public func point(lr: Double, clipNorm: Double?, regime: SpikeRegime, seed: UInt64) throws -> SweepPoint {
        let run = try cache.run(request(lr: lr, clipNorm: clipNorm, regime: regime, seed: seed))
        let (spikes, dataOutliers) = try run.spikesAndOutliers(detector)
        let maxJump = spikes.compactMap(\.height).max() ?? (spikes.isEmpty ? 0 : .infinity)
        return SweepPoint(lr: lr, run: run, spikes: spikes, dataOutliers: dataOutliers, finalLoss: run.finalLoss, maxJump: maxJump)
    }

    /// The paper's three settings in the chosen regime, for every seed of the setup; (2)'s clipping
    /// threshold comes from (1)'s gradient norms (`LMCSetup.clipRule`).
    public func settings() throws -> ChosenSettings {
        let regime = try regime()
        let ones = try setup.seeds.map { try point(lr: regime.lr, clipNorm: nil, regime: regime, seed: $0) }
        let clipNorm = setup.clipNorm(settingOne: ones.map(\.run.log.gradNorm))
        let bySeed = try zip(setup.seeds, ones).map { seed, one in
            let two = try point(lr: regime.lr, clipNorm: clipNorm, regime: regime, seed: seed)
            let three = try point(lr: regime.lr / 2, clipNorm: nil, regime: regime, seed: seed)
            return (seed: seed, runs: [("(1)", one), ("(2)", two), ("(3)", three)].map { name, p in
                SettingRun(name: name, lr: p.lr, run: p.run, spikes: p.spikes, dataOutliers: p.dataOutliers)
            })
        }
        return ChosenSettings(regime: regime, clipNorm: clipNorm, bySeed: bySeed)
    }

    /// The map's learning rates, each without clipping and with (2)'s clipping, in the chosen regime
    /// with the figure seed (so the points at LR_high are settings (1) and (2)).
    public func sweep(_ settings: ChosenSettings) throws -> [SweepPoint] {
        try sweepLearningRates(settings).map { try point(lr: $0.lr, clipNorm: $0.clipNorm, regime: settings.regime, seed: settings.figureSeed) }
    }

    private func sweepLearningRates(_ settings: ChosenSettings) -> [(lr: Double, clipNorm: Double?)] {
        setup.map.learningRates.flatMap { lr in [nil, settings.clipNorm].map { (lr, $0) } }
    }
}

extension FigureContext where Setup == LMCSetup {
    /// Records how the settings were chosen: the spike detector, the regime rule and its outcome,
    /// and which seed the figures show.
    public mutating func recordSettingsRule(_ settings: ChosenSettings) throws {
        try result.setting("detector", runs.detector)
        try result.setting("selection_rule", SpikeRegime.ruleText)
        try result.setting("regime", settings.regime)
        try result.setting("clip_rule", setup.clipRule)
        try result.setting("clip_norm", settings.clipNorm)
        try result.setting("figure_seed_rule", ChosenSettings.figureSeedRule)
        try result.setting("figure_seed", settings.figureSeed)
    }
}
