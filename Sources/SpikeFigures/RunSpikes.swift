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
}
