// The learning-rate sweep of the lmc replication in the regime the spike map chose (a figure the
// paper lacks): final loss, largest detected spike and spike count against the learning rate,
// with and without clipping, for the seed the figures show.
import Foundation
import PaperLMC
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<LMCSetup>(name: "lr_sweep", figure: "LR sweep (extra)", title: "Learning-rate sweep in the spiking regime")
    let (setup, runs, output) = (context.setup, context.runs, context.output)
    try runs.trainAll()
    let settings = try runs.settings()
    let points = try runs.sweep(settings)

    func series(_ clipped: Bool, _ value: (SweepPoint) -> Double, color: String) -> Series {
        let ps = points.filter { $0.clipped == clipped }
        let title = clipped ? ps[0].run.config.optimizer.clipLabel : "no clipping"
        return Series(title, x: ps.map(\.lr), y: ps.map(value), style: .linesPoints, color: color)
    }
    func panel(_ label: String, _ value: @escaping (SweepPoint) -> Double, log: Bool = false) -> Panel {
        .lines(LinePlot(title: label, x: Axis("peak learning rate", log: true), y: Axis(label, log: log), series: [
            series(false, value, color: "#d62728"), series(true, value, color: "#1f77b4"),
        ], referenceLines: [ReferenceLine(.vertical, at: settings.highLR, label: "LR_high")], key: "top left"))
    }
    try output.render(Figure(title: "lmc: learning-rate sweep (\(setup.scale.rawValue) scale)", panels: [
        panel("final loss", { min($0.finalLoss, 20) }),
        panel("largest spike height (nats)", { min($0.maxJump, 20) }),
        panel("detected spikes", { Double($0.spikes.count) }),
    ], layout: (1, 3), size: (1500, 450)))

    for p in points {
        let key = "lr_\(formatLR(p.lr))_\(p.clipped ? "clip" : "noclip")"
        context.result.numbers[key + ".final_loss"] = p.finalLoss.isFinite ? p.finalLoss : 1e30
        context.result.numbers[key + ".spikes"] = Double(p.spikes.count)
        context.result.numbers[key + ".max_jump"] = p.maxJump.isFinite ? p.maxJump : 1e30
        try context.result.record(p.run)
    }
    context.result.numbers["lr_high"] = settings.highLR
    try context.recordSettingsRule(settings)
    let window = points.filter { !$0.clipped && $0.recoveredSpikes > 0 }.map(\.lr)
        .filter { lr in points.first { $0.clipped && $0.lr == lr }!.spikes.isEmpty }
    context.result.add(Claim(id: "spike_window",
                     statement: "Some learning rate spikes and recovers without clipping, while clipping removes the spike",
                     paper: "LR 1e-3: spike without clipping, none with clipping",
                     ours: .text(window.isEmpty ? "no LR of the grid" : "at lr " + window.map(formatLR).joined(separator: ", ")),
                     rule: "an LR whose unclipped run has a recovered spike and whose clipped run has none (seed \(settings.figureSeed))",
                     holds: !window.isEmpty))
    try output.write(context.result)
}
