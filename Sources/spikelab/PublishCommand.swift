import ArgumentParser
import Foundation
import SpikeFigures

/// `make publish`: the default-scale results in `<results>/default/` (`Publication`).
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Copy the default-scale figures' JSON and PNG into results/default, with a report made from them and a stamp per paper (commit, numerics).")

    @Option(help: "The figures directory (made at SCALE=default).")
    var figures = FigureOutput.defaultRoot

    @Option(help: "Root of the published results (written to <results>/default).")
    var results = "results"

    @Option(help: "The commit that made the figures (make publish passes git rev-parse HEAD).")
    var commit: String

    @Flag(help: "The working tree had uncommitted changes (the stamp says so).")
    var dirty = false

    @Option(parsing: .upToNextOption, help: "The papers to publish (default: every paper in --figures); the others' published files stay.")
    var papers: [String] = []

    func run() throws {
        let count = try Publication.publish(figures: URL(fileURLWithPath: figures), results: URL(fileURLWithPath: results),
                                            commit: commit, dirty: dirty, papers: papers.isEmpty ? nil : papers)
        print("publish: \(count) figures, REPORT.md and STAMP.md in \(results)/default")
    }
}
