import Foundation
import Testing
import SpikeData
import SpikeTraining
@testable import SpikeFigures

@Suite struct ScaleTests {
    @Test func readsTheEnvironment() throws {
        #expect(try Scale.fromEnvironment([:]) == .default)
        #expect(try Scale.fromEnvironment(["SCALE": ""]) == .default)
        #expect(try Scale.fromEnvironment(["SCALE": "ci"]) == .ci)
        #expect(try Scale.fromEnvironment(["SCALE": "large"]) == .large)
        #expect(Scale.ci.pick(ci: 1, default: 2, large: 3) == 1)
        #expect(Scale.large.pick(ci: 1, default: 2, large: 3) == 3)
    }

    @Test func rejectsAnUnknownScaleClearly() {
        #expect {
            try Scale.fromEnvironment(["SCALE": "huge"])
        } throws: { error in
            "\(error)".contains("invalid scale 'huge'") && "\(error)".contains("ci, default, large")
        }
    }
}

@Suite struct CanonicalJSONTests {
    @Test func writesSortedDeterministicText() throws {
        let value: JSONValue = .object(["b": .array([.number(1), .number(0.5), .number(1e-5)]), "a": .string("x\"y\n"),
                                        "c": .object(["z": .bool(true), "n": .null]), "d": CanonicalJSON.number(.nan)])
        let text = CanonicalJSON.string(value)
        #expect(text == """
        {
          "a": "x\\"y\\n",
          "b": [1, 0.5, 1e-05],
          "c": {
            "n": null,
            "z": true
          },
          "d": "NaN"
        }

        """)
        #expect(try JSONParser.parse(text) == value)
    }

    @Test func resultRoundTripsThroughJSON() throws {
        let r = sampleResult()
        let back = try FigureResult(json: JSONParser.parse(r.jsonText))
        #expect(back.numbers["spike_step"] == 412)
        #expect(back.numbers["undefined"]!.isNaN)
        #expect(back.claims.map(\.verdict) == [.reproduced, .reproduced])
        #expect(back.claims[1].rule == "spikes in run (2) <= 0")
        #expect(back.tables[0].rows[0][1] == .number(1e-3, .significant(6)))
        #expect(back.jsonText == r.jsonText)
    }

    @Test func claimRulesComputeVerdicts() {
        #expect(Claim(id: "a", statement: "s", ours: 5, rule: .greaterThan(4)).verdict == .reproduced)
        #expect(Claim(id: "a", statement: "s", ours: 4, rule: .greaterThan(4)).verdict == .notReproduced)
        #expect(Claim(id: "a", statement: "s", ours: .nan, rule: .atMost(4)).verdict == .notReproduced)
        #expect(Claim(id: "a", statement: "s", ours: 10.5, rule: .within(fraction: 0.1, of: 10)).verdict == .reproduced)
        let all = Claim(id: "b", statement: "s", allOf: [("barrier (1)", 0.3, .greaterThan(0.01)), ("barrier (3)", 0.02, .atMost(0.01))])
        #expect(all.verdict == .notReproduced)
        #expect(all.rule == "all of: barrier (1) > 0.01; barrier (3) <= 0.01")
        #expect(all.ours == .text("barrier (1) = 0.3; barrier (3) = 0.02"))
    }
}

@Suite struct TableTests {
    let table: Table = {
        var t = Table(id: "ppl", title: "Perplexity | WikiText & LAMBADA", columns: ["method", "WikiText", "time"], notes: ["mean (std) of 5 runs"])
        t.append([.text("Small_init"), .measurement(20.644, spread: 0.521, .fixed(2)), .number(0.126, .percent(1))])
        t.append([.text("WeSaR, ours"), .measurement(17.74, spread: 0.05, .fixed(2)), .empty])
        return t
    }()

    @Test func markdown() {
        #expect(table.markdown() == """
        **Perplexity | WikiText & LAMBADA**

        | method | WikiText | time |
        |---|---:|---:|
        | Small_init | 20.64 (0.52) | 12.6% |
        | WeSaR, ours | 17.74 (0.05) |  |

        mean (std) of 5 runs

        """)
    }

    @Test func csv() {
        #expect(table.csv() == "method,WikiText,time\r\nSmall_init,20.64 (0.52),12.6%\r\n\"WeSaR, ours\",17.74 (0.05),\r\n")
    }

    @Test func latex() {
        let tex = table.latex(label: "tab:x")
        #expect(tex.contains("\\caption{Perplexity | WikiText \\& LAMBADA}"))
        #expect(tex.contains("\\begin{tabular}{lrr}\n\\toprule\nmethod & WikiText & time \\\\\n\\midrule\n"))
        #expect(tex.contains("Small\\_init & 20.64 (0.52) & 12.6\\% \\\\\n"))
        #expect(tex.contains("\\bottomrule\n\\end{tabular}\n"))
        #expect(tex.contains("\\label{tab:x}"))
    }

    @Test func numberFormats() {
        #expect(NumberFormat.fixed(2).format(3.14159) == "3.14")
        #expect(NumberFormat.scientific(1).format(0.001) == "1.0e-03")
        #expect(NumberFormat.significant(3).format(0.000312345) == "0.000312")
        #expect(NumberFormat.integer.format(35075.4) == "35075")
        #expect(NumberFormat.fixed(2).format(.nan) == "NaN")
    }
}

@Suite struct SettingLabelTests {
    @Test func learningRatesAsPapersWriteThem() {
        #expect(formatLR(1e-3) == "1e-3")
        #expect(formatLR(3e-2) == "3e-2")
        #expect(formatLR(2.56e-3) == "2.56e-3")
    }

    /// The labels are part of the run labels and table cells the numbers check compares.
    @Test func clippingAsLabelsPrintIt() {
        #expect(OptimizerConfig(clipNorm: 1).clipNormText == "1.0")
        #expect(OptimizerConfig(clipNorm: 1).clipLabel == "clip 1.0")
        #expect(OptimizerConfig(clipNorm: 0.5).clipLabel == "clip 0.5")
        #expect(OptimizerConfig(clipNorm: nil).clipLabel == "no clip")
        #expect(OptimizerConfig(clipNorm: 0).clipNormText == nil)
    }
}

@Suite struct GraphLayoutTests {
    /// Left to right over the upper half circle, rounded so the .dat bytes do not depend on libm.
    @Test func semicircleRunsLeftToRightInStepOrder() {
        let p = GraphPlot.semicircleLayout(count: 3)
        #expect(p.map(\.x) == [-1, 0, 1])
        #expect(p.map(\.y) == [0, 1, 0])
        #expect(GraphPlot.semicircleAngle(at: 0.5, count: 3) == Double.pi * 0.75)
        #expect(GraphPlot.semicircleLayout(count: 1).map(\.x) == [-1])
    }
}
