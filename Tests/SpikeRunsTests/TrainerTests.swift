import Foundation
import Testing
import SpikeKernels
import SpikeModel
import SpikeTestSupport
@testable import SpikeRuns
import SpikeTraining

func tinyRunConfig(maxLR: Double = 3e-3, steps: Int = 12, clip: Double? = 1.0, stats: Bool = false,
                   reparameterization: Reparameterization? = nil) -> RunConfig {
    let model = ModelConfig(vocabSize: 32, dModel: 16, nLayers: 2, nHeads: 2, contextLength: 8, mlpKind: .swiglu, zLoss: 1e-4,
                            reparameterization: reparameterization)
    let optimizer = OptimizerConfig(maxLR: maxLR, minLR: maxLR / 10, warmupSteps: 3, totalSteps: steps, beta1: 0.9, beta2: 0.95,
                                    eps: 1e-8, weightDecay: 0.1, clipNorm: clip)
    return RunConfig(model: model, optimizer: optimizer, initialization: .small, data: DataSpec(corpus: "synthetic"),
                     batchSize: 4, seed: 7, checkpointEvery: 5, tensorStatistics: stats)
}

@Suite struct TrainerTests {
    @Test func scheduleWarmsUpThenDecaysToMinimum() {
        let s = LRSchedule(OptimizerConfig(maxLR: 1, minLR: 0.1, warmupSteps: 4, totalSteps: 14))
        #expect(s.learningRate(step: 0) == 0.25)
        #expect(s.learningRate(step: 3) == 1)
        #expect(s.learningRate(step: 4) == 1)
        #expect(abs(s.learningRate(step: 9) - 0.55) < 1e-12)   // halfway through the cosine
        #expect(abs(s.learningRate(step: 14) - 0.1) < 1e-12)
    }

    @Test func lossFallsOnTheSyntheticLanguage() throws {
        var c = tinyRunConfig(maxLR: 1e-2, steps: 60)
        c.checkpointEvery = 0
        let dir = temporaryDirectory("falls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(config: c, batches: syntheticBatches(c), runDirectory: dir)
        trainer.progressInterval = nil
        let result = try trainer.run()
        #expect(result.status == .completed)
        let log = try String(contentsOf: dir.appendingPathComponent("log.csv"), encoding: .utf8).split(separator: "\n")
        #expect(log.count == 61)
        let losses = log.dropFirst().map { Double($0.split(separator: ",")[2])! }
        let first = losses[0], lastTen = losses.suffix(10).reduce(0, +) / 10
        // ln 32 = 3.47 at the start; the toy language's entropy is about 1.9 nats.
        #expect(first > 3.3 && lastTen < first - 0.8, "loss \(first) -> \(lastTen)")
    }

    @Test func identicalRunsGiveIdenticalBytes() throws {
        let c = tinyRunConfig(stats: true)
        var files: [[String: Data]] = []
        for i in 0..<2 {
            let dir = temporaryDirectory("det\(i)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let trainer = try Trainer(config: c, batches: syntheticBatches(c), runDirectory: dir)
            trainer.progressInterval = nil
            try trainer.run()
            files.append(try deterministicFiles(dir))
        }
        #expect(files[0].keys.sorted() == files[1].keys.sorted())
        #expect(files[0].keys.contains("checkpoints/step_000010/model.safetensors"))
        #expect(files[0].keys.contains("tensor_stats.csv"))
        for (name, bytes) in files[0] { #expect(files[1][name] == bytes, "\(name) differs") }
    }

    /// Plain and reparameterised (sigmaReparam carries power-iteration vectors in its checkpoints).
    @Test(arguments: [nil, Reparameterization.sigmaReparam(sigma: 0.02), .wesar(sigma: 0.02)])
    func resumedRunIsBitIdenticalToUninterruptedRun(_ reparameterization: Reparameterization?) throws {
        try expectResumeIsBitIdentical(tinyRunConfig(stats: true, reparameterization: reparameterization))
    }

    /// SPAM with sparse momentum: resets on updates 4, 8, 12 and mask redraws after 3, 7, 11, so
    /// the resumed part (from checkpoint 5, inside a warm-up of 3) redraws masks and resets moments.
    @Test func resumedSPAMRunIsBitIdenticalToUninterruptedRun() throws {
        var c = tinyRunConfig(stats: true)
        c.optimizer.spam = SPAMConfig(theta: 50, resetInterval: 4, warmupSteps: 3, clippingHoldOff: 1, density: 0.5)
        try expectResumeIsBitIdentical(c)
    }

    /// A run "killed" after 8 updates and resumed gives the same files as one that was not.
    func expectResumeIsBitIdentical(_ c: RunConfig) throws {
        let whole = temporaryDirectory("whole"), pieces = temporaryDirectory("pieces")
        defer { try? FileManager.default.removeItem(at: whole); try? FileManager.default.removeItem(at: pieces) }
        let t1 = try Trainer(config: c, batches: syntheticBatches(c), runDirectory: whole)
        t1.progressInterval = nil
        try t1.run()
        // "Kill" after 8 updates: checkpoint 5 exists, log rows 5..7 were written past it.
        let t2 = try Trainer(config: c, batches: syntheticBatches(c), runDirectory: pieces)
        t2.progressInterval = nil
        #expect(try t2.run(stopAfter: 8).status == .stopped)
        #expect(!FileManager.default.fileExists(atPath: pieces.appendingPathComponent("result.json").path))
        let t3 = try Trainer(config: c, batches: syntheticBatches(c), runDirectory: pieces)
        t3.progressInterval = nil
        #expect(try t3.run().status == .completed)
        let a = try deterministicFiles(whole), b = try deterministicFiles(pieces)
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, bytes) in a { #expect(b[name] == bytes, "\(name) differs after resume") }
    }

    /// The effective update ratio logged for a reparameterised model is that of the merged
    /// weights between consecutive checkpoints; for a plain model it equals the raw ratio.
    @Test(arguments: [nil, Reparameterization.wesar(sigma: 0.02), .weightNormalization(sigma: 0.02)])
    func effectiveUpdateRatiosMatchTheMergedCheckpoints(_ reparameterization: Reparameterization?) throws {
        var c = tinyRunConfig(steps: 4, stats: true, reparameterization: reparameterization)
        c.checkpointEvery = 1
        let dir = temporaryDirectory("ratios")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(config: c, batches: syntheticBatches(c), runDirectory: dir)
        trainer.progressInterval = nil
        try trainer.run()
        // Step 0's weights are the initialisation, which no checkpoint holds: compare steps 1..3.
        func merged(_ step: Int) throws -> LlamaModel {
            let model = try LlamaModel(config: c.model)
            try model.loadWeights(from: SafetensorsFile(contentsOf: trainer.checkpoints.weightsURL(step: step)))
            return try model.merged()
        }
        let rows = try String(contentsOf: dir.appendingPathComponent("tensor_stats.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var checked = 0
        for step in 1...3 {
            let before = try merged(step), after = try merged(step + 1)
            for spec in before.layout.specs where spec.isMatrix {
                let row = rows.first { $0[0] == String(step) && $0[1] == spec.name }!
                var weightSq = 0.0, updateSq = 0.0
                for i in spec.offset..<(spec.offset + spec.count) {
                    weightSq += Double(before.parameters[i]) * Double(before.parameters[i])
                    updateSq += pow(Double(after.parameters[i]) - Double(before.parameters[i]), 2)
                }
                let expected = updateSq.squareRoot() / weightSq.squareRoot(), logged = Double(row[8])!
                #expect(abs(logged / expected - 1) < 1e-5, "step \(step) \(spec.name): logged \(logged), from checkpoints \(expected)")
                if reparameterization == nil { #expect(row[5] == row[8], "plain model: raw and effective ratios are the same") }
                checked += 1
            }
        }
        #expect(checked > 0)
    }

    @Test func divergedRunStopsCleanlyWithItsLog() throws {
        var c = tinyRunConfig(maxLR: 1e30, steps: 30, clip: nil)
        c.checkpointEvery = 0
        let dir = temporaryDirectory("diverge")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(config: c, batches: syntheticBatches(c), runDirectory: dir)
        trainer.progressInterval = nil
        let result = try trainer.run()
        #expect(result.status == .diverged)
        #expect(result.steps < 30)
        let saved = try JSONDecoder().decode(RunResult.self, from: Data(contentsOf: dir.appendingPathComponent("result.json")))
        #expect(saved == result)
        let rows = try String(contentsOf: dir.appendingPathComponent("log.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == result.steps + 2)   // header, finite steps, the non-finite one
        #expect(Float(rows.last!.split(separator: ",")[2]).map { !$0.isFinite } == true, "\(rows.suffix(3))")
    }

    @Test func aRunDirectoryRefusesAnotherConfig() throws {
        let c = tinyRunConfig(steps: 4)
        let dir = temporaryDirectory("other")
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try Trainer(config: c, batches: syntheticBatches(c), runDirectory: dir)
        t.progressInterval = nil
        try t.run(stopAfter: 1)
        var other = c
        other.seed = 99
        let t2 = try Trainer(config: other, batches: syntheticBatches(other), runDirectory: dir)
        #expect(throws: RunError.self) { try t2.run() }
        // Also once the run has finished: the other config must not get the old run's result.
        try t.run()
        #expect(throws: RunError.self) { try t2.run() }
    }

    @Test func badConfigsGiveReadableErrors() throws {
        let dir = temporaryDirectory("badconfig")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("c.json")
        try Data(#"{"model": {"vocabSize": 10, "dModel": 12, "nLayers": 1, "nHeads": 5, "contextLength": 4}, "optimizer": {}, "batchSize": 1}"#.utf8).write(to: url)
        do { _ = try RunConfig.load(from: url); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("maxLR") || "\(error)".contains("nHeads") || "\(error)".contains("missing key"), "\(error)")
        }
    }
}
