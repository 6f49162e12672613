// The spike map of the lmc replication (a figure the paper lacks): recovered optimisation spikes
// per 1,000 steps over learning rate x tokens per step, one heat map per beta2, several seeds a
// cell; stalls, divergences and data outliers counted apart; the loss curves of the cell that
// spikes most, spikes marked.
import Foundation
import PaperLMC
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<LMCSetup>(name: "spike-map", figure: "Spike map (extra)",
                                              title: "Where this suite's models spike: LR x tokens per step x beta2")
    let (setup, output) = (context.setup, context.output)
    let grid = SpikeMapGrid.forScale(setup.scale)
    let map = SpikeMap(grid: grid, cache: context.runs.cache)
    let cells = try map.cells()

    var panels = map.heatMaps(cells)
    let top = cells.max { $0.spikeRate < $1.spikeRate }!
    let topTitle = map.title(top)
    var curves: [Series] = []
    for (i, r) in top.runs.enumerated() {
        curves.append(.fromLog(r.run, title: "seed \(r.seed)", color: ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"][i % 5]))
        if !r.spikes.isEmpty { curves.append(.spikeMarks(r.spikes, run: r.run, title: "spike, seed \(r.seed)")) }
        if !r.dataOutliers.isEmpty {
            curves.append(.spikeMarks(r.dataOutliers, run: r.run, title: "data outlier, seed \(r.seed)", color: "#7f7f7f"))
        }
    }
    panels.append(.lines(LinePlot(title: "the cell with the most spikes: \(topTitle)", x: Axis("step"), y: Axis("training loss"), series: curves)))
    try output.render(Figure(title: "lmc spike map (\(setup.scale.rawValue) scale)", panels: panels))

    var rows: [[TableCell]] = []
    for c in cells {
        let tokens = grid.tokensPerStep(c.batchSize), key = c.key(tokens: tokens)
        rows.append([.text(formatLR(c.lr)), .number(Double(tokens), .integer), .text("\(c.beta2)"), .number(c.spikeRate, .fixed(2)),
                     .text("\(c.spikingSeeds)/\(c.runs.count)"), .number(Double(c.stalls), .integer), .number(Double(c.divergences), .integer),
                     .number(Double(c.dataOutliers), .integer), .number(c.meanFinalLoss, .fixed(3))])
        context.result.numbers["\(key).spike_rate"] = c.spikeRate
        context.result.numbers["\(key).stalls"] = Double(c.stalls)
        context.result.numbers["\(key).divergences"] = Double(c.divergences)
        context.result.numbers["\(key).data_outliers"] = Double(c.dataOutliers)
        context.result.numbers["\(key).final_loss"] = c.meanFinalLoss
        for r in c.runs { try context.result.record(r.run) }
    }
    context.result.add(Table(id: "cells", title: "Spike map cells (\(grid.seeds.count) seeds each)",
                             columns: ["peak LR", "tokens/step", "beta2", "spikes / 1000 steps", "seeds spiking", "stalls", "divergences",
                                       "data outliers", "final loss"], rows: rows,
                             notes: [grid.summary, "Optimisation spikes and data outliers from SpikeDetector.standard (version 2) with each run's held-out probe; stalls are rises that never came back."]))

    let (claims, numbers) = map.claims(cells)
    claims.forEach { context.result.add($0) }
    context.result.numbers.merge(numbers) { $1 }
    try context.result.setting("grid", grid.summary)
    try context.result.setting("detector", map.detector)
    try output.write(context.result)
}
