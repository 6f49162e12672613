import Foundation
import SpikeAnalysis
import SpikeFigures
import SpikeRuns

/// The panels of the adam figures.
public enum AdamPlots {
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e"]
    public static func color(_ i: Int) -> String { colors[i % colors.count] }

    /// A run's loss curve against baseline-equivalent steps (step x `xPerStep`).
    public static func lossCurve(_ run: CachedRun, title: String, color: String, xPerStep: Double) -> Series {
        var series = Series.fromLog(run, title: title, color: color)
        series.x = series.x.map { $0 * xPerStep }
        return series
    }

    /// Vertical dashed lines at the spikes' starts (on line plots).
    public static func spikeLines(_ spikes: [LossSpike]) -> [ReferenceLine] {
        spikes.map { ReferenceLine(.vertical, at: Double($0.start), label: "spike", color: "#d62728") }
    }

    /// A time x r heat map of one group's update histogram, log10(1 + count), spikes' starts as
    /// white dashed lines.
    public static func histogram(_ group: String, _ h: GroupedHistograms, spikes: [LossSpike]) -> Panel {
        let rows = h.rows[group]!
        let values = (0..<UpdateBins.count).map { bin in rows.map { log10(1 + Double($0.bins[bin])) } }
        let every = h.steps.count > 1 ? h.steps[1] - h.steps[0] : 1
        let marks = spikes.map { "set arrow from \($0.start), graph 0 to \($0.start), graph 1 nohead lc rgb 'white' dt 2 lw 1.5 front" }
        return .heatMap(HeatMap(title: group, values: values,
                                x: HeatAxis("step", start: Double(h.steps.first ?? 0), step: Double(every)),
                                y: HeatAxis("r = m_hat / (sqrt(v_hat) + eps)", start: UpdateBins.centre(0), step: UpdateBins.width),
                                colorLabel: "log10(1 + count)", palette: .magma, extraCommands: marks))
    }

    /// Sarle's b of every group over time, the bimodal threshold 5/9 and the spikes.
    public static func bimodality(_ h: GroupedHistograms, spikes: [LossSpike]) -> Panel {
        let series = h.groups.enumerated().map { i, g in Series(g, x: h.steps, y: h.bimodality(g), color: color(i)) }
        return .lines(LinePlot(title: "bimodality coefficient b = (skew^2 + 1) / kurtosis of r", x: Axis("step"), y: Axis("b", min: 0, max: 1),
                               series: series,
                               referenceLines: [ReferenceLine(.horizontal, at: UpdateShape.bimodalAbove, label: "5/9")] + spikeLines(spikes),
                               key: "bottom right"))
    }

    /// One statistic of `adam_stats.csv` per tensor group over time (the first tensor of each
    /// group), eps drawn as a line where it shares the axis (the axis then reaches down to eps / 10,
    /// so the gap between the gradients and eps shows).
    public static func statistic(_ title: String, _ stats: AdamStatistics, _ value: KeyPath<AdamStatistics.Series, [Double]>,
                                 log: Bool, eps: Double?, spikes: [LossSpike], key: String = "off") -> Panel {
        statistic(title, stats, { series, _ in series[keyPath: value] }, log: log, eps: eps, spikes: spikes, key: key)
    }

    /// The same for a value computed from a tensor's series and its name (e.g. the gradient norm).
    public static func statistic(_ title: String, _ stats: AdamStatistics, _ value: (AdamStatistics.Series, String) -> [Double],
                                 log: Bool, eps: Double?, spikes: [LossSpike], key: String = "off") -> Panel {
        var chosen: [String] = []
        var seen: Set<String> = []
        for t in stats.tensors where seen.insert(LayerGroup.of(t)).inserted { chosen.append(t) }
        let series = chosen.enumerated().map { i, t in
            Series("\(LayerGroup.of(t)) (\(t.split(separator: ".").suffix(3).prefix(2).joined(separator: ".")))",
                   x: stats[t]!.step, y: value(stats[t]!, t).map { log ? max($0, 1e-30) : $0 }, color: color(i))
        }
        let epsLine = eps.map { [ReferenceLine(.horizontal, at: $0, label: "eps", color: "#000000", dashType: 3)] } ?? []
        let bottom = eps.flatMap { $0 > 0 ? $0 / 10 : nil }
        return .lines(LinePlot(title: title, x: Axis("step"), y: Axis(title, log: log, min: bottom), series: series,
                               referenceLines: epsLine + spikeLines(spikes), key: key))
    }
}
