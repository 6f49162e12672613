// wesar Table 3: two sizes x {Small init Rapid, Small init Stable, WeSaR (Rapid)}: WikiText-2 and
// LAMBADA perplexity.
import Foundation
import PaperWeSaR
import SpikeFigures

/// The paper's numbers (WikiText / LAMBADA) per size and setting.
let paper: [String: String] = [
    "1.3B Small init Rapid": "16.55 / 26.29", "1.3B Small init Stable": "21.44 / 28.81", "1.3B WeSaR": "14.51 / 22.87",
    "13B Small init Rapid": "12.72 / 21.79", "13B Small init Stable": "18.66 / 25.34", "13B WeSaR": "12.05 / 21.57",
]

FigureProgram.main {
    var context = try FigureContext<WeSaRSetup>(name: "table3", figure: "Table 3", title: "Two model sizes: Small init Rapid, Small init Stable, WeSaR")
    let (setup, runs) = (context.setup, context.runs)
    var table = Table(id: "sizes", title: "wesar Table 3 (\(setup.scale.rawValue) scale)",
                      columns: ["size", "setting", "WikiText-2 ppl", "LAMBADA ppl", "paper (WikiText / LAMBADA)", "spikes", "final training loss"])
    var wesarBest = true
    for size in setup.sizes {
        let settings = [("Small init Rapid", try runs.run(.smallInit, size: size), "small_rapid"),
                        ("Small init Stable", try runs.run(.smallInit, size: size, regime: .stable), "small_stable"),
                        ("WeSaR", try runs.run(.wesar, size: size), "wesar")]
        var scores: [String: Perplexities] = [:]
        for (label, r, key) in settings {
            let p = try runs.perplexities(r)
            scores[key] = p
            table.append([.text("\(size.name) (\(size.paperName))"), .text(label), .number(p.wikitext, .fixed(2)), .number(p.lambada, .fixed(2)),
                          .text(paper["\(size.paperName) \(label)"]!), .number(Double(r.spikes.count), .integer),
                          .number(r.run.log.loss.last ?? .nan, .fixed(4))])
            context.result.numbers["\(size.name).\(key).wikitext"] = p.wikitext
            context.result.numbers["\(size.name).\(key).lambada"] = p.lambada
            context.result.numbers["\(size.name).\(key).spikes"] = Double(r.spikes.count)
            try context.result.record(r.run)
        }
        let w = scores["wesar"]!
        wesarBest = wesarBest && ["small_rapid", "small_stable"].allSatisfy { w.wikitext < scores[$0]!.wikitext && w.lambada < scores[$0]!.lambada }
    }
    table.notes = ["Same evaluation as Table 2. Stable: half the LR, 4x the batch, longer warm-up, same tokens."]
    context.result.add(table)
    context.result.add(Claim(id: "wesar_best_both_sizes", statement: "WeSaR gives the lowest perplexity at both sizes",
                             paper: "best at 1.3B and 13B on both sets", ours: .text(wesarBest ? "best at both sizes on both sets" : "not best everywhere"),
                             rule: "WeSaR below both baselines on WikiText-2 and LAMBADA at each size", holds: wesarBest))
    try context.output.write(context.result)
}
