import ArgumentParser
import Foundation
import SpikeData
import SpikeRuns
import SpikeTraining

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model from a JSON run config (resumes an interrupted run in the same directory).")

    @Option(help: "Run config (JSON): model, optimizer, initialization, data, batchSize, seed, checkpointEvery, tensorStatistics, skipBatches, rewind, probe, adamStatistics, gradientSpikeScores, updateHistograms.")
    var config: String

    @Option(help: "Run directory (default: runs/<hash of the config>, or $SPIKELAB_RUNS/<hash>).")
    var runDir: String?

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() throws {
        let runConfig = try RunConfig.load(from: URL(fileURLWithPath: config))
        let directory = runDir.map { URL(fileURLWithPath: $0) } ?? RunCache().directory(for: runConfig)
        // The same lock the figure executables take (runs/<hash>.lock), so a manual run and
        // `make figures` never train one directory at once.
        try FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        let lock = try FileLock(directory: directory) {
            if !quiet { FileHandle.standardError.write(Data("waiting: another process is training \(directory.path)\n".utf8)) }
        }
        defer { lock.unlock() }
        // Before the data step, which writes the run's tokenizer.json: never into another config's run.
        try Trainer.checkOwnership(of: directory, by: runConfig)
        let batches = try TrainingData.resolve(runConfig, runDirectory: directory, log: !quiet)
        // A rewound run's parent is found by its hash in the run cache.
        let trainer = try Trainer(config: runConfig, batches: batches, runDirectory: directory, runsRoot: RunCache().root)
        if quiet { trainer.progressInterval = nil }
        let result = try trainer.run()
        print("\(directory.path): \(result.status.rawValue) after \(result.steps) steps, final loss \(result.finalLoss.map { "\($0)" } ?? "n/a")")
        if result.status == .diverged { throw ExitCode(2) }
    }
}
