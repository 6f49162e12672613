import SpikeRuns
import SpikeAnalysis
import SpikeFigures

/// The paper's three training settings, (1) LR_high without clipping, (2) LR_high with clipping,
/// (3) LR_high / 2 without clipping, in the regime the spike map chose, over every seed.
public struct ChosenSettings {
    public var regime: SpikeRegime
    public var highLR: Double { regime.lr }
    /// Whether the regime's cell spiked (otherwise the rule's fallback chose it).
    public var ruleMet: Bool { regime.spikes }
    public var rule: String { SpikeRegime.ruleText }
    /// Setting (2)'s clipping threshold (`LMCSetup.clipRule`).
    public var clipNorm: Double
    /// Settings (1), (2), (3) of each seed, in the setup's seed order.
    public var bySeed: [(seed: UInt64, runs: [SettingRun])]
    /// The seed the figures show: the first whose setting (1) has a recovered spike (else the first).
    public var figureSeed: UInt64
    public static let figureSeedRule = "the figures show the first seed whose setting (1) has a recovered optimisation spike (the first seed if none has)"

    /// Settings (1), (2), (3) of the figure seed.
    public var runs: [SettingRun] { bySeed.first { $0.seed == figureSeed }!.runs }

    /// The settings of every seed, the figure seed chosen by `figureSeedRule`.
    public init(regime: SpikeRegime, clipNorm: Double, bySeed: [(seed: UInt64, runs: [SettingRun])]) {
        self.regime = regime
        self.clipNorm = clipNorm
        self.bySeed = bySeed
        figureSeed = bySeed.first { $0.runs[0].spikes.contains(where: \.recovered) }?.seed ?? bySeed[0].seed
    }

    /// How many seeds of setting `index` (0, 1, 2) have an optimisation spike.
    public func seedsWithSpike(_ index: Int) -> Int { bySeed.filter { !$0.runs[index].spikes.isEmpty }.count }
}

/// One of the three settings as trained: its run, the optimisation spikes detected in it and its
/// data outliers.
public struct SettingRun {
    /// "(1)", "(2)" or "(3)".
    public var name: String
    public var lr: Double
    public var run: CachedRun
    public var spikes: [LossSpike]
    public var dataOutliers: [LossSpike]

    /// "clip 1.0" or "no clip", from the run's config.
    public var clipLabel: String { run.config.optimizer.clipLabel }
    public var clipped: Bool { run.config.optimizer.clippingEnabled }

    /// "(1) lr 1e-2, no clip, spike": the title of a setting's panel.
    public var panelTitle: String {
        "\(name) lr \(formatLR(lr)), \(clipLabel), \(spikes.isEmpty ? "no spike" : "spike")"
    }
}
