// lmc Fig. 4: loss curves of the three settings, detected spikes and data outliers marked.
import Foundation
import PaperLMC
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<LMCSetup>(name: "fig4", figure: "Fig. 4", title: "Loss curves of the three settings")
    let (setup, runs, output) = (context.setup, context.runs, context.output)
    try runs.trainAll()
    let settings = try runs.settings()
    let colors = ["#d62728", "#1f77b4", "#2ca02c"]
    var series: [Series] = []
    for (i, s) in settings.runs.enumerated() {
        series.append(.fromLog(s.run, title: "\(s.name) lr \(formatLR(s.lr))\(s.clipped ? ", \(s.clipLabel)" : "")", color: colors[i]))
        context.result.numbers["setting\(s.name).final_loss"] = s.run.log.loss.last ?? .nan
        context.result.numbers["setting\(s.name).spikes"] = Double(s.spikes.count)
        context.result.numbers["setting\(s.name).data_outliers"] = Double(s.dataOutliers.count)
        if let first = s.spikes.first { context.result.numbers["setting\(s.name).first_spike_peak_step"] = Double(first.peak) }
        try context.result.record(s.run)
    }
    for s in settings.runs where !s.spikes.isEmpty {
        series.append(.spikeMarks(s.spikes, run: s.run, title: "detected spike \(s.name)"))
    }
    for s in settings.runs where !s.dataOutliers.isEmpty {
        series.append(.spikeMarks(s.dataOutliers, run: s.run, title: "data outlier \(s.name)", color: "#7f7f7f"))
    }
    try output.render(Figure(title: "lmc Fig. 4 (\(setup.scale.rawValue) scale)",
                             .lines(LinePlot(x: Axis("step"), y: Axis("training loss"), series: series))))
    let (one, two, three) = (settings.runs[0], settings.runs[1], settings.runs[2])
    let recovered = one.spikes.contains { $0.recovered }
    context.result.add(Claim(id: "high_lr_spikes", statement: "Higher LR without clipping spikes, and the loss comes back",
                     paper: "spike near step 400 in (1), then recovery",
                     ours: .text(one.spikes.first.map { "peak at step \($0.peak), \($0.recovered ? "recovered" : "not recovered")" } ?? "no spike"),
                     rule: "a recovered spike in (1)", holds: recovered))
    context.result.add(Claim(id: "clip_or_lower_lr_removes", statement: "Clipping or a lower LR removes the spike",
                     paper: "(2) and (3) smooth", ours: .text("(2) \(two.spikes.count) spikes, (3) \(three.spikes.count) spikes"),
                     rule: "no spike in (2) and (3), given one in (1)", holds: recovered && two.spikes.isEmpty && three.spikes.isEmpty))
    try context.recordSettingsRule(settings)
    try output.write(context.result)
}
