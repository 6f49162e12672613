import Foundation
import SpikeAnalysis
import SpikeFigures
import SpikeRuns
import SpikeTraining

/// One run of the sweep, summarised.
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

/// Trains the setup over its learning-rate grid with and without clipping, and chooses LR_high.
///
/// Rule (stated in every figure's metadata): LR_high is the smallest grid LR whose unclipped run
/// has a spike that recovers while its clipped run has none, and whose LR_high / 2 unclipped run
/// has none either. When no grid LR qualifies, LR_high is the grid LR whose unclipped run has the
/// largest detected spike (or, with no spike anywhere, the largest LR whose unclipped run stays
/// finite), and the paper's claims are reported as not reproduced at this scale.
public struct LearningRateSweep {
    public let setup: LMCSetup
    public let cache: RunCache
    public let detector = SpikeDetector.standard

    public static let ruleText = "LR_high = smallest grid LR where the unclipped run has a recovered spike, the clipped run none, and the unclipped LR_high/2 run none; otherwise the grid LR with the largest unclipped spike (or the largest finite one)."

    public init(setup: LMCSetup, cache: RunCache = RunCache()) {
        self.setup = setup
        self.cache = cache
    }

    public func point(lr: Double, clipped: Bool) throws -> SweepPoint {
        let config = setup.runConfig(lr: lr, clipped: clipped)
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

    /// Every grid point, unclipped then clipped for each LR in ascending order.
    public func grid() throws -> [SweepPoint] {
        try setup.learningRates.flatMap { lr in [try point(lr: lr, clipped: false), try point(lr: lr, clipped: true)] }
    }

    /// The paper's three settings.
    public func settings() throws -> ChosenSettings {
        let points = try grid()
        func at(_ lr: Double, _ clipped: Bool) -> SweepPoint { points.first { $0.lr == lr && $0.clipped == clipped }! }
        var chosen: Double?
        for lr in setup.learningRates {
            let free = at(lr, false), clipped = at(lr, true)
            guard free.recoveredSpikes > 0, free.spikes.allSatisfy({ !$0.diverged }), clipped.spikes.isEmpty else { continue }
            if try point(lr: lr / 2, clipped: false).spikes.isEmpty { chosen = lr; break }
        }
        let highLR: Double
        if let chosen {
            highLR = chosen
        } else {
            let unclipped = setup.learningRates.map { at($0, false) }
            let spiking = unclipped.filter { !$0.spikes.isEmpty && $0.finalLoss.isFinite }
            if let biggest = spiking.max(by: { $0.maxJump < $1.maxJump }) {
                highLR = biggest.lr
            } else {
                highLR = unclipped.filter { $0.finalLoss.isFinite }.map(\.lr).max() ?? setup.learningRates[0]
            }
        }
        let one = at(highLR, false), two = at(highLR, true), three = try point(lr: highLR / 2, clipped: false)
        return ChosenSettings(highLR: highLR, ruleMet: chosen != nil, rule: LearningRateSweep.ruleText, runs: [
            SettingRun(name: "(1)", lr: highLR, run: one.run, spikes: one.spikes, dataOutliers: one.dataOutliers),
            SettingRun(name: "(2)", lr: highLR, run: two.run, spikes: two.spikes, dataOutliers: two.dataOutliers),
            SettingRun(name: "(3)", lr: highLR / 2, run: three.run, spikes: three.spikes, dataOutliers: three.dataOutliers),
        ])
    }
}

extension FigureContext where Setup == LMCSetup {
    /// The learning-rate sweep, whose `settings()` trains (or reuses) the runs of every lmc figure.
    public var sweep: LearningRateSweep { runs }

    /// Records how the settings were chosen: the spike detector and the LR_high rule.
    public mutating func recordSweepSettings() throws {
        try result.setting("detector", sweep.detector)
        try result.setting("selection_rule", LearningRateSweep.ruleText)
    }
}
