import ArgumentParser
import Foundation
import SpikeFigures

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write figures/REPORT.md: every claim of every figure result (figures/*/*.json) with the paper's number, ours and the verdict.")

    @Option(help: "The figures directory (default: $SPIKELAB_FIGURES, else figures).")
    var figures = FigureOutput.root

    func run() throws {
        let report = try Report.write(figures: URL(fileURLWithPath: figures))
        print("\(report.url.path): \(report.claims) claims, \(report.reproduced) reproduced, \(report.notReproduced) not reproduced")
    }
}
