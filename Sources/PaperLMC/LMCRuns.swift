import Foundation
import SpikeAnalysis
import SpikeFigures
import SpikeRuns
import SpikeTraining

/// One run of the LR sweep, summarised.
public struct SweepPoint {
    public var lr: Double
    public var clipped: Bool
    public var run: CachedRun
    /// Optimisation spikes (what the claims count).
    public var spikes: [LossSpike]
    /// Events of one or two hard batches (reported, not counted as spikes).
    public var dataOutliers: [LossSpike]
    public var finalLoss: Double          // mean of the last 5 % of steps (the loss is noisy)
    public var maxJump: Double            // largest detected spike height (0 without spikes)
    public var recoveredSpikes: Int { spikes.filter(\.recovered).count }
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
    public func regime() throws -> SpikeRegime { SpikeRegime.choose(from: try map.cells()) }

    /// One run in `regime`, with its detected events.
    public func point(lr: Double, clipped: Bool, regime: SpikeRegime, seed: UInt64) throws -> SweepPoint {
        let config = setup.runConfig(lr: lr, clipped: clipped, regime: regime, seed: seed)
        let run = try cache.run(config, label: LMCSetup.label(config))
        let losses = run.log.loss
        let events = try run.spikeEvents(detector)
        let spikes = events.filter { $0.kind == .optimization }
        let tail = max(1, losses.count / 20)
        let finite = losses.suffix(tail).filter(\.isFinite)
        let finalLoss = finite.count == tail ? Statistics.mean(finite) : .infinity
        let maxJump = spikes.compactMap(\.height).max() ?? (spikes.isEmpty ? 0 : .infinity)
        return SweepPoint(lr: lr, clipped: clipped, run: run, spikes: spikes,
                          dataOutliers: events.filter { $0.kind == .dataOutlier }, finalLoss: finalLoss, maxJump: maxJump)
    }

    /// The paper's three settings in the chosen regime, for every seed of the setup.
    public func settings() throws -> ChosenSettings {
        let regime = try regime()
        let bySeed = try setup.seeds.map { seed in
            let runs = try [("(1)", regime.lr, false), ("(2)", regime.lr, true), ("(3)", regime.lr / 2, false)].map { name, lr, clipped in
                let p = try point(lr: lr, clipped: clipped, regime: regime, seed: seed)
                return SettingRun(name: name, lr: lr, run: p.run, spikes: p.spikes, dataOutliers: p.dataOutliers)
            }
            return (seed: seed, runs: runs)
        }
        return ChosenSettings(regime: regime, bySeed: bySeed)
    }

    /// The map's learning rates, each with and without clipping, in the chosen regime with the
    /// figure seed (so the points at LR_high are the settings' runs).
    public func sweep(_ settings: ChosenSettings) throws -> [SweepPoint] {
        try setup.map.learningRates.flatMap { lr in
            try [false, true].map { try point(lr: lr, clipped: $0, regime: settings.regime, seed: settings.figureSeed) }
        }
    }
}

extension FigureContext where Setup == LMCSetup {
    /// Records how the settings were chosen: the spike detector, the regime rule and its outcome,
    /// and which seed the figures show.
    public mutating func recordSettingsRule(_ settings: ChosenSettings) throws {
        try result.setting("detector", runs.detector)
        try result.setting("selection_rule", SpikeRegime.ruleText)
        try result.setting("regime", settings.regime)
        try result.setting("figure_seed_rule", ChosenSettings.figureSeedRule)
        try result.setting("figure_seed", settings.figureSeed)
    }
}
