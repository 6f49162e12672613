import SpikeRuns
import SpikeAnalysis
import SpikeFigures

/// The paper's three training settings, (1) LR_high without clipping, (2) LR_high with clipping,
/// (3) LR_high / 2 without clipping, at the LR_high the learning-rate sweep chose.
public struct ChosenSettings {
    public var highLR: Double
    /// Whether some grid LR met the selection rule (otherwise the sweep's fallback was used).
    public var ruleMet: Bool
    public var rule: String
    /// Settings (1), (2), (3), in that order.
    public var runs: [SettingRun]
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
