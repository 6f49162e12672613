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
    let map = SpikeMap(grid: grid, cache: context.sweep.cache)
    let cells = try map.cells()

    var panels: [Panel] = []
    let lrTicks = grid.learningRates.map(formatLR), tokenTicks = grid.batchSizes.map { "\(grid.tokensPerStep($0))" }
    let highest = max(1, cells.map(\.spikeRate).max() ?? 1)
    for beta2 in grid.beta2s {
        let rows = grid.batchSizes.map { b in grid.learningRates.map { lr in
            cells.first { $0.beta2 == beta2 && $0.batchSize == b && $0.lr == lr }!.spikeRate } }
        panels.append(.heatMap(HeatMap(title: "beta2 \(beta2): recovered spikes per 1,000 steps", values: rows,
                                       x: HeatAxis("peak LR", tickLabels: lrTicks), y: HeatAxis("tokens per step", tickLabels: tokenTicks),
                                       colorLabel: "spikes / 1000 steps", colorRange: (0, highest), palette: .magma)))
    }
    let top = cells.max { $0.spikeRate < $1.spikeRate }!
    let topTitle = "lr \(formatLR(top.lr)), \(grid.tokensPerStep(top.batchSize)) tokens/step, beta2 \(top.beta2)"
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

    func rate(_ include: (SpikeMapCell) -> Bool) -> Double {
        let chosen = cells.filter(include)
        return chosen.isEmpty ? 0 : Statistics.mean(chosen.map(\.spikeRate))
    }
    let anywhere = cells.contains { $0.recovered > 0 }
    context.result.add(Claim(id: "spikes_at_this_scale", statement: "Recovered optimisation spikes occur somewhere on the map",
                             paper: "all four papers study spikes of models of 100M+ parameters",
                             ours: .text(anywhere ? "most in \(topTitle) (\(DataFormat.number(top.spikeRate)) per 1000 steps)" : "no cell spikes"),
                             rule: "a recovered optimisation spike in at least one cell", holds: anywhere))
    if let high = grid.beta2s.max(), let low = grid.beta2s.min(), high != low {
        let (rHigh, rLow) = (rate { $0.beta2 == high }, rate { $0.beta2 == low })
        context.result.numbers["beta2_\(high).mean_spike_rate"] = rHigh
        context.result.numbers["beta2_\(low).mean_spike_rate"] = rLow
        context.result.add(Claim(id: "large_beta2_spikes_more", statement: "beta2 \(high) spikes more than beta2 \(low)",
                                 paper: "Bai et al. 2025: 0.999 spikes, 0.95 much less",
                                 ours: .text("\(DataFormat.number(rHigh)) against \(DataFormat.number(rLow)) spikes per 1000 steps"),
                                 rule: "mean spike rate over the cells higher at beta2 \(high)", holds: rHigh > rLow))
    }
    if let most = grid.batchSizes.max(), let least = grid.batchSizes.min(), most != least {
        let (rMost, rLeast) = (rate { $0.batchSize == most }, rate { $0.batchSize == least })
        context.result.add(Claim(id: "larger_batches_spike_more", statement: "More tokens per step (less gradient noise) spikes more",
                                 paper: "adam paper and Bai et al.: larger batches make spikes likelier",
                                 ours: .text("\(DataFormat.number(rMost)) at \(grid.tokensPerStep(most)) tokens against \(DataFormat.number(rLeast)) at \(grid.tokensPerStep(least))"),
                                 rule: "mean spike rate over the cells higher at the largest batch", holds: rMost > rLeast))
    }
    try context.result.setting("grid", grid.summary)
    try context.result.setting("detector", map.detector)
    try output.write(context.result)
}
