// adam, claim C10: loss curves of the baseline (the suite's spike regime) and its mitigations side
// by side (lower LR, the eps sweep with eps = 0 meaning 0/0 := 0, GLM-130B's embedding-gradient
// shrink, PaLM's rewind with skipped batches, and larger batches at the same token budget), with
// spike count, largest spike and final loss per run.
import Foundation
import PaperAdam
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<AdamSetup>(name: "mitigations", figure: "Mitigations (C10)", title: "Spike counts of the baseline and its mitigations")
    let (setup, runs, output) = (context.setup, context.runs, context.output)
    try runs.trainAll()
    let regime = try runs.regime()
    let bySeed = try runs.seeds(regime).map { try runs.mitigations(regime, seed: $0) }

    let first = bySeed[0]
    let panels = [("lower LR", [Mitigation.Kind.learningRate]), ("eps sweep", [.eps]), ("embedding shrink, rewind", [.embeddingShrink, .rewind]),
                  ("tokens per step (same tokens)", [.batchSize])].map { title, kinds -> Panel in
        var series: [Series] = [], marks: [Series] = []
        for r in first where r.mitigation.kind == .baseline || kinds.contains(r.mitigation.kind) {
            guard let run = r.run else { continue }
            let perStep = Double(run.config.batchSize) / Double(first[0].run!.config.batchSize)
            series.append(AdamPlots.lossCurve(run, title: r.mitigation.label, color: AdamPlots.color(series.count), xPerStep: perStep))
            if !r.spikes.isEmpty { marks.append(.spikeMarks(r.spikes, run: run, title: "spike: \(r.mitigation.id)", xPerStep: perStep)) }
        }
        return .lines(LinePlot(title: "\(title), seed \(first[0].seed)", x: Axis("baseline-equivalent step (tokens trained / baseline tokens per step)"), y: Axis("training loss"),
                               series: series + marks))
    }
    try output.render(Figure(title: "adam: mitigations (\(setup.scale.rawValue) scale)", panels: panels, layout: (2, 2), size: (1400, 900)))

    var rows: [[TableCell]] = []
    for runsOfSeed in bySeed {
        for r in runsOfSeed {
            let key = "seed_\(r.seed).\(r.mitigation.id)"
            rows.append([.text("\(r.seed)"), .text(r.mitigation.label), r.run == nil ? .text("-") : .number(Double(r.spikes.count), .integer),
                         r.spikes.isEmpty ? .text("-") : .number(r.largestSpike, .fixed(3)), r.run == nil ? .text("-") : .number(r.finalLoss, .fixed(4))])
            guard let run = r.run else { continue }
            context.result.numbers[key + ".spikes"] = Double(r.spikes.count)
            context.result.numbers[key + ".final_loss"] = r.finalLoss.isFinite ? r.finalLoss : 1e30
            try context.result.record(run)
        }
    }
    context.result.add(Table(id: "mitigations", title: "Spikes per mitigation (\(setup.scale.rawValue) scale)",
                             columns: ["seed", "run", "optimisation spikes", "largest spike (nats)", "final loss"], rows: rows,
                             notes: [setup.summary(regime), "eps 0 defines 0/0 := 0: a coordinate with sqrt(v_hat) = 0 is not moved.",
                                     "Rewind: " + runs.rewindRule + ".", "Batch sweep: x2 and x4 the sequences per step for 1/2 and 1/4 the steps and warm-up."]))
    MitigationClaims(bySeed).claims(mitigations: first.map(\.mitigation), setup: setup).forEach { context.result.add($0) }
    try context.result.setting("baseline", setup.summary(regime))
    try context.result.setting("seeds", AdamRuns.seedRule)
    try context.result.setting("detector", runs.detector)
    try output.write(context.result)
}
