import ArgumentParser
import Foundation
import SpikeData
import SpikeTraining

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model from a JSON run config (resumes an interrupted run in the same directory).")

    @Option(help: "Run config (JSON): model, optimizer, initialization, data, batchSize, seed, checkpointEvery, tensorStatistics.")
    var config: String

    @Option(help: "Run directory (default: runs/<hash of the config>).")
    var runDir: String?

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() throws {
        let runConfig = try RunConfig.load(from: URL(fileURLWithPath: config))
        let directory = URL(fileURLWithPath: runDir ?? "runs/\(RunIdentity.hash(runConfig))")
        let batches = try TrainingData.resolve(runConfig, runDirectory: directory, log: !quiet)
        let trainer = try Trainer(config: runConfig, batches: batches, runDirectory: directory)
        if quiet { trainer.progressInterval = nil }
        let result = try trainer.run()
        print("\(directory.path): \(result.status.rawValue) after \(result.steps) steps, final loss \(result.finalLoss.map { "\($0)" } ?? "n/a")")
        if result.status == .diverged { throw ExitCode(2) }
    }
}

enum RunIdentity {
    /// The first 16 hex digits of the SHA-256 of the canonical config: equal configs share a run.
    static func hash(_ config: RunConfig) -> String {
        var h = SHA256()
        h.update(config.canonicalJSON)
        return String(SHA256.hex(h.finalize()).prefix(16))
    }
}
