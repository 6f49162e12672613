import ArgumentParser
import Foundation
import SpikeAnalysis
import SpikeFigures
import SpikeRuns

/// What the suite's spike detector finds in finished runs: the same `SpikeDetector.standard` and
/// held-out probe the figures use, for runs trained by hand (`spikelab train`) or by a figure.
struct SpikesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spikes",
        abstract: "List the loss spikes the suite's detector finds in finished runs (optimisation spikes and data outliers).")

    @Argument(help: "Finished run directories (each with config.json, log.csv and result.json).")
    var runs: [String]

    @Flag(help: "One JSON object per run on stdout instead of text.")
    var json = false

    func run() throws {
        let detector = SpikeDetector.standard
        for path in runs {
            let run = try CachedRun(directory: URL(fileURLWithPath: path))
            let events = try run.spikeEvents(detector)
            if json {
                let report = RunSpikesReport(run: path, steps: run.log.loss.count, finalLoss: run.finalLoss, events: events)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                continue
            }
            print("\(path): \(run.log.loss.count) steps, final loss \(DataFormat.number(run.finalLoss)), "
                  + "\(events.filter { $0.kind == .optimization }.count) optimisation spikes, \(events.filter { $0.kind == .dataOutlier }.count) data outliers")
            for e in events { print("  " + Self.describe(e)) }
        }
    }

    /// "optimisation spike: steps 330-361, peak 333 (+0.15 nats over 5.21), recovered".
    static func describe(_ e: LossSpike) -> String {
        let kind = e.kind == .optimization ? "optimisation spike" : "data outlier"
        let height = e.height.map { String(format: "+%.3f nats over %.3f", $0, e.baseline) } ?? "non-finite"
        let outcome = e.diverged ? "diverged" : e.recovered ? "recovered" : "not recovered by the end"
        return "\(kind): steps \(e.start)-\(e.end), peak \(e.peak) (\(height)), \(e.exceedances) steps above \(String(format: "%.3f", e.threshold)), \(outcome)"
    }
}

/// `spikelab spikes --json`: one run's events.
struct RunSpikesReport: Encodable {
    var run: String
    var steps: Int
    var finalLoss: Double
    var events: [LossSpike]
}
