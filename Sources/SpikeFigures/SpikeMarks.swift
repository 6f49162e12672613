import SpikeAnalysis

extension Series {
    /// Red points at the peaks of detected spikes of a run (for every loss plot of the suite).
    public static func spikeMarks(_ spikes: [LossSpike], run: CachedRun, title: String = "detected spike") -> Series {
        let peaks = spikes.map(\.peak).filter { $0 < run.log.loss.count }
        return .markers(title, x: peaks.map(Double.init), y: peaks.map { min(run.log.loss[$0], 1e6) })
    }
}
