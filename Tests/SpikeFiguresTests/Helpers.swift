import Foundation
import SpikeModel
import SpikeTestSupport
import SpikeTraining
@testable import SpikeFigures

func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

/// A figure result with numbers, a table and two claims, as a paper's executable would write it.
func sampleResult(paper: String = "lmc", name: String = "fig4", scale: Scale = .ci, spikeStep: Double = 412,
                  spikeSeen: Bool = true) -> FigureResult {
    var r = FigureResult(paper: paper, figure: "Fig. 4", name: name, title: "Loss curves of the three settings", scale: scale)
    r.numbers["spike_step"] = spikeStep
    r.numbers["final_loss_1"] = 3.25
    r.numbers["undefined"] = .nan
    r.settings["grid"] = .array([.number(0), .number(0.5), .number(1)])
    var table = Table(id: "settings", title: "Table 1: settings", columns: ["setting", "max LR", "clip", "spike"])
    table.append([.text("(1)"), .number(1e-3, .scientific(1)), .text("none"), .text(spikeSeen ? "yes" : "no")])
    table.append([.text("(2)"), .number(1e-3, .scientific(1)), .number(1, .fixed(1)), .text("no")])
    r.add(table)
    r.add(Claim(id: "spike", statement: "Higher LR without clipping spikes", paper: "spike near step 400",
                ours: .number(spikeStep), rule: "a spike is detected in run (1)", holds: spikeSeen))
    r.add(Claim(id: "no-spike", statement: "Clipping removes the spike", paper: 0, ours: 0, rule: .atMost(0), quantity: "spikes in run (2)"))
    return r
}
