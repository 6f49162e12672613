import SpikeAnalysis
import SpikeRuns

extension CachedRun {
    /// The held-out probe's losses as the spike detector reads them: the probe after update s
    /// measured the weights that the training loss of step s + 1 was measured with. Empty when the
    /// run had no probe.
    public func heldOutLosses() throws -> [HeldOutLoss] {
        guard let probes = try heldOutProbes() else { return [] }
        return zip(probes.step, probes.heldOutLoss).map { HeldOutLoss(step: $0 + 1, loss: $1) }
    }

    /// Every event `detector` finds in this run's loss log (optimisation spikes and data
    /// outliers), with the held-out probe when the run has one.
    public func spikeEvents(_ detector: SpikeDetector) throws -> [LossSpike] {
        detector.events(log.loss, heldOut: try heldOutLosses())
    }

    /// `spikeEvents` split by kind: the optimisation spikes (what claims count) and the data outliers.
    public func spikesAndOutliers(_ detector: SpikeDetector) throws -> (spikes: [LossSpike], dataOutliers: [LossSpike]) {
        let events = try spikeEvents(detector)
        return (events.filter { $0.kind == .optimization }, events.filter { $0.kind == .dataOutlier })
    }

    /// Mean of the last 5 % of the training losses (one step's loss is noisy); infinite when one of
    /// them is not finite (a diverged run).
    public var finalLoss: Double {
        let tail = log.loss.suffix(max(1, log.loss.count / 20))
        return tail.allSatisfy(\.isFinite) ? Statistics.mean(Array(tail)) : .infinity
    }
}
