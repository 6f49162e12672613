// spam loss curves: Adam, Adam + clip 1.0, SPAM and sparse SPAM (small size, first seed), SPAM's
// moment resets marked, loss spikes marked.
import Foundation
import PaperSPAM
import SpikeAnalysis
import SpikeFigures

let colors: [SPAMMethod: String] = [.adam: "#1f77b4", .adamClip: "#ff7f0e", .spam: "#2ca02c", .spamSparse: "#d62728"]

FigureProgram.main {
    var context = try FigureContext<SPAMSetup>(name: "loss", figure: "Loss curves", title: "Training loss: Adam, Adam + clipping, SPAM, sparse SPAM")
    let setup = context.setup
    try context.runs.trainAll()
    var series: [Series] = [], marks: [Series] = []
    for method in SPAMMethod.allCases {
        let run = try context.runs.run(method, size: setup.small, seed: setup.seeds[0])
        let spikes = SpikeDetector.standard.detect(run.log.loss)
        series.append(Series(method.label, x: run.log.stepValues, y: run.log.loss, color: colors[method]))
        if !spikes.isEmpty { marks.append(.spikeMarks(spikes, run: run, title: "spike: \(method.label)")) }
        context.result.numbers["\(method.rawValue).spikes"] = Double(spikes.count)
        context.result.numbers["\(method.rawValue).final_loss"] = run.log.loss.last ?? .nan
        try context.result.record(run)
    }
    let interval = setup.spamConfig(density: 1).resetInterval
    let resets = stride(from: interval, to: setup.steps, by: interval).map { ReferenceLine(.vertical, at: Double($0), color: "#bbbbbb", dashType: 3) }
    try context.output.render(Figure(title: "spam loss (\(setup.scale.rawValue) scale, \(setup.small.paperName) stand-in; grey: SPAM resets every \(interval) steps)",
                                     .lines(LinePlot(x: Axis("step"), y: Axis("training loss"), series: series + marks, referenceLines: resets))))
    try context.result.setting("spam", setup.spamConfig(density: 1))
    try context.output.write(context.result)
}
