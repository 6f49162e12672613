import Foundation
import SpikeFigures
import SpikeModel
import SpikeTraining

/// One change to setting (1) that the papers name as making spikes likelier or rarer, trained as
/// a short probe at LR_high without clipping (the figure seed): which knobs make the regime's
/// spikes likelier or rarer, and the evidence for "not at this scale" where none spikes.
public struct KnobProbe: Sendable {
    public var id: String
    public var change: String
    /// Who names the knob and why.
    public var source: String
    public var config: RunConfig

    /// The label of the probe's progress lines.
    public var label: String { "knob \(id) lr=\(formatLR(config.optimizer.maxLR))" }
}

extension LMCSetup {
    /// Probe length: long enough to cover the warm-up (where the paper's spike appears).
    public var probeSteps: Int { scale == .ci ? 100 : 400 }

    /// Setting (1) of the figure seed, shortened to `probeSteps`, with one knob turned at a time.
    public func knobProbes(_ settings: ChosenSettings) -> [KnobProbe] {
        var base = runConfig(lr: settings.highLR, clipNorm: nil, regime: settings.regime, seed: settings.figureSeed)
        base.optimizer.totalSteps = probeSteps
        base.optimizer.warmupSteps = min(warmupSteps, probeSteps / 2)
        base.checkpointEvery = 0
        func probe(_ id: String, _ change: String, _ source: String, _ edit: (inout RunConfig) -> Void) -> KnobProbe {
            var c = base
            edit(&c)
            return KnobProbe(id: id, change: change, source: source, config: c)
        }
        return [
            probe("short_warmup", "warm-up 10x shorter (\(max(1, base.optimizer.warmupSteps / 10)) steps)",
                  "lmc: the spike comes during warm-up; a faster ramp reaches LR_high sooner") {
                $0.optimizer.warmupSteps = max(1, $0.optimizer.warmupSteps / 10)
            },
            probe("tiny_eps", "Adam eps 1e-12 instead of 1e-8",
                  "adam: updates turn sign-like (bimodal) when gradients shrink toward eps") { $0.optimizer.eps = 1e-12 },
            probe("double_batch", "batch 2x (\(2 * base.batchSize) sequences)", "adam: larger batches make the instability likelier") {
                $0.batchSize *= 2
            },
            probe("embedding_scale", "embedding output x sqrt(d)", "Spike No More: the embedding scale sets the residual stream's std") {
                $0.model.embeddingScale = true
            },
        ]
    }
}
