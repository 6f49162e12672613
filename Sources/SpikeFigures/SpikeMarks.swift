import SpikeAnalysis
import SpikeRuns

extension Series {
    /// Points (red by default) at the peaks of detected spikes of a run (for every loss plot of the
    /// suite), at x = step x `xPerStep` (e.g. tokens per step, for plots against tokens).
    public static func spikeMarks(_ spikes: [LossSpike], run: CachedRun, title: String = "detected spike",
                                  xPerStep: Double = 1, color: String = "#d62728") -> Series {
        let peaks = spikes.map(\.peak).filter { $0 < run.log.loss.count }
        return .markers(title, x: peaks.map { Double($0) * xPerStep }, y: peaks.map { min(run.log.loss[$0], 1e6) }, color: color)
    }
}
