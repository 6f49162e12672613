import Foundation
import Testing
import SpikeKernels
import SpikeModel
import SpikeTestSupport
@testable import SpikeRuns
import SpikeTraining

/// Rewind and batch skipping (PaLM's spike mitigation): a run restarted from its parent's
/// checkpoint that skips batches is the same run as one that skipped them from the start.
@Suite struct RewindTests {
    func run(_ config: RunConfig, in directory: URL, stopAfter: Int? = nil) throws -> RunResult {
        try quietTrainer(config, in: directory).run(stopAfter: stopAfter)
    }

    /// The tensors of a checkpoint (its metadata names the run config, which differs).
    func tensors(_ url: URL) throws -> [String: [Float]] {
        let file = try SafetensorsFile(contentsOf: url)
        return try Dictionary(uniqueKeysWithValues: file.order.map { ($0, try file.floats($0)) })
    }

    @Test(arguments: [false, true])
    func rewoundRunWithSkippedBatchesEqualsSkippingInOneGo(interrupted: Bool) throws {
        let root = temporaryDirectory("rewind")
        defer { try? FileManager.default.removeItem(at: root) }
        var parent = tinyRunConfig(steps: 20, stats: true)
        parent.checkpointEvery = 5
        let parentHash = RunCache.hash(parent)
        #expect(try run(parent, in: root.appendingPathComponent(parentHash)).status == .completed)

        // Skipping batches 12..<15 from the start, in one go ...
        var skipping = parent
        skipping.skipBatches = [BatchSkip(from: 12, count: 3)]
        let oneGo = root.appendingPathComponent("one-go")
        #expect(try run(skipping, in: oneGo).status == .completed)
        // ... and rewound to the parent's checkpoint 10, skipping the same batches.
        var rewound = skipping
        rewound.rewind = Rewind(parent: parentHash, step: 10)
        let rewoundDirectory = root.appendingPathComponent("rewound")
        if interrupted { #expect(try run(rewound, in: rewoundDirectory, stopAfter: 17).status == .stopped) }
        #expect(try run(rewound, in: rewoundDirectory).status == .completed)

        let a = try deterministicFiles(oneGo), b = try deterministicFiles(rewoundDirectory)
        for file in ["log.csv", "tensor_stats.csv", "result.json"] {
            #expect(a[file] != nil && a[file] == b[file], "\(file) differs")
        }
        let store = CheckpointStore(runDirectory: rewoundDirectory)
        #expect(store.steps() == [15, 20])
        for step in store.steps() {
            #expect(try tensors(store.weightsURL(step: step)) == tensors(CheckpointStore(runDirectory: oneGo).weightsURL(step: step)))
            #expect(try tensors(store.optimizerURL(step: step)) == tensors(CheckpointStore(runDirectory: oneGo).optimizerURL(step: step)))
        }
        // The skip changed the run: from step 12 on, its log is not the parent's.
        let parentLog = try TrainingLog(contentsOf: root.appendingPathComponent(parentHash).appendingPathComponent("log.csv"))
        let rewoundLog = try TrainingLog(contentsOf: rewoundDirectory.appendingPathComponent("log.csv"))
        #expect(Array(parentLog.loss.prefix(12)) == Array(rewoundLog.loss.prefix(12)))
        #expect(parentLog.loss[12] != rewoundLog.loss[12])
    }

    @Test func everyCheckpointKeepsItsOptimizerState() throws {
        let root = temporaryDirectory("states")
        defer { try? FileManager.default.removeItem(at: root) }
        let c = tinyRunConfig(steps: 15)
        _ = try run(c, in: root)
        let store = CheckpointStore(runDirectory: root)
        #expect(store.steps() == [5, 10, 15])
        #expect(store.steps().allSatisfy(store.isResumable))
    }

    @Test func rewindNamesWhatIsMissing() throws {
        let root = temporaryDirectory("missing")
        defer { try? FileManager.default.removeItem(at: root) }
        var c = tinyRunConfig(steps: 12)
        c.rewind = Rewind(parent: "0123456789abcdef", step: 5)
        #expect { try run(c, in: root.appendingPathComponent("child")) } throws: { "\($0)".contains("0123456789abcdef") }
        // A parent without a checkpoint at the rewind step.
        let parent = tinyRunConfig(steps: 12)
        _ = try run(parent, in: root.appendingPathComponent(RunCache.hash(parent)))
        c.rewind = Rewind(parent: RunCache.hash(parent), step: 7)
        #expect { try run(c, in: root.appendingPathComponent("child2")) } throws: { "\($0)".contains("rewind.step 7") && "\($0)".contains("5, 10") }
        // Skips before the rewind step must be the parent's.
        c.rewind = Rewind(parent: RunCache.hash(parent), step: 10)
        c.skipBatches = [BatchSkip(from: 3, count: 1)]
        #expect { try run(c, in: root.appendingPathComponent("child3")) } throws: { "\($0)".contains("skipBatches") }
    }

    @Test func configsWithoutTheNewSectionsKeepTheirJSON() throws {
        let c = tinyRunConfig()
        let json = String(decoding: c.canonicalJSON, as: UTF8.self)
        #expect(!json.contains("skipBatches") && !json.contains("rewind"))
        var d = c
        d.skipBatches = [BatchSkip(from: 3, count: 2)]
        d.rewind = Rewind(parent: "0123456789abcdef", step: 4)
        #expect(try JSONDecoder().decode(RunConfig.self, from: d.canonicalJSON) == d)
        #expect(RunCache.hash(d) != RunCache.hash(c))
        d.rewind = Rewind(parent: "not-a-hash", step: 4)
        #expect(throws: TrainingError.self) { try d.validate() }
    }

    @Test func batchIndexAddsTheSkipsInForce() {
        let skips = [BatchSkip(from: 5, count: 3), BatchSkip(from: 10, count: 2)]
        #expect((0..<13).map(skips.batchIndex(step:)) == [0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 15, 16, 17])
    }
}
