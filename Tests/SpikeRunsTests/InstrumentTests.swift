import Foundation
import Testing
import SpikeKernels
import SpikeModel
import SpikeTestSupport
@testable import SpikeRuns
import SpikeTraining

/// The spike-regime instruments: the held-out probe (`probe.csv`) and the Adam statistics
/// (`adam_stats.csv`), against direct computations on a tiny model.
@Suite struct InstrumentTests {
    private func instrumented(steps: Int = 6, probeEvery: Int = 2, adamEvery: Int = 1) -> RunConfig {
        var c = tinyRunConfig(steps: steps)
        c.probe = ObserverSchedule(every: probeEvery)
        c.adamStatistics = ObserverSchedule(every: adamEvery)
        return c
    }

    @Test func probeRecordsTheHeldOutLossOfTheWeightsAfterEachUpdate() throws {
        var c = instrumented()
        c.checkpointEvery = 1
        let dir = temporaryDirectory("probe")
        defer { try? FileManager.default.removeItem(at: dir) }
        try quietTrainer(c, in: dir).run()
        let probes = try HeldOutProbes(contentsOf: dir.appendingPathComponent(HeldOutProbeObserver.fileName), layers: c.model.nLayers)
        #expect(probes.step == [0, 2, 4, 5])   // every 2nd update and the last
        #expect(probes.attentionMax.count == 2 && probes.attentionMax.allSatisfy { $0.count == 4 && $0.allSatisfy(\.isFinite) })
        // The row of update 4 is the model of checkpoint 5 (five updates done) on the fixed batch.
        let model = try LlamaModel(config: c.model)
        try model.loadWeights(from: SafetensorsFile(contentsOf: CheckpointStore(runDirectory: dir).weightsURL(step: 5)))
        let batch = try TrainingData.probeBatch(c)
        let logits = try model.forwardLogits(inputs: batch.inputs, batch: c.batchSize, length: c.model.contextLength)
        let v = c.model.vocabSize
        var loss = 0.0, logZMax = -Double.infinity
        for r in 0..<batch.targets.count {
            let row = (0..<v).map { Double(logits[r * v + $0]) }
            let logZ = log(row.map(exp).reduce(0, +))
            loss += logZ - row[Int(batch.targets[r])]
            logZMax = max(logZMax, logZ)
        }
        loss /= Double(batch.targets.count)
        #expect(abs(probes.heldOutLoss[2] - loss) <= 1e-9 * loss, "\(probes.heldOutLoss[2]) vs \(loss)")
        #expect(abs(probes.logZMax[2] - logZMax) <= 1e-9 * abs(logZMax))
        // The fixed batch is the same every time: the probe of an untrained copy is ln V-ish.
        #expect(try TrainingData.probeBatch(c).inputs == batch.inputs)
    }

    @Test func adamStatisticsOfTheFirstUpdate() throws {
        // After the first update v_hat = g^2 (g clipped): the update RMS is 1 wherever g != 0,
        // and the RMS of sqrt(v_hat) equals the gradient RMS.
        let c = instrumented(steps: 4)
        let dir = temporaryDirectory("adam-stats")
        defer { try? FileManager.default.removeItem(at: dir) }
        try quietTrainer(c, in: dir).run()
        let stats = try AdamStatistics(contentsOf: dir.appendingPathComponent(AdamStatisticsObserver.fileName))
        let layout = ParameterLayout(c.model)
        #expect(stats.tensors == layout.specs.filter(\.trainable).map(\.name))
        for name in stats.tensors {
            let s = stats[name]!
            #expect(s.step == [0, 1, 2, 3])
            #expect(abs(s.updateRMS[0] - 1) < 1e-5, "\(name): update RMS \(s.updateRMS[0])")
            #expect(abs(s.sqrtVRMS[0] - s.gradRMS[0]) <= 1e-5 * s.gradRMS[0], "\(name)")
            #expect(s.gradNearEps[0] >= 0 && s.gradNearEps[0] <= 1 && s.sqrtVNearEps[1] >= 0 && s.sqrtVNearEps[1] <= 1)
        }
        // Step 0's gradient RMS, over all tensors, is the logged global norm times the clip factor.
        let log = try TrainingLog(contentsOf: dir.appendingPathComponent(TrainingLogFile.fileName))
        let squares = stats.tensors.map { name in
            pow(stats[name]!.gradRMS[0], 2) * Double(layout[name]!.count)
        }.reduce(0, +)
        let clipped = min(log.gradNorm[0], c.optimizer.clipNorm!)
        #expect(abs(squares.squareRoot() - clipped) <= 1e-5 * clipped)
    }

    @Test func instrumentsDoNotChangeTheTraining() throws {
        let plain = tinyRunConfig(steps: 8), probed = instrumented(steps: 8)
        let a = temporaryDirectory("plain"), b = temporaryDirectory("probed")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        try quietTrainer(plain, in: a).run()
        try quietTrainer(probed, in: b).run()
        let x = try deterministicFiles(a), y = try deterministicFiles(b)
        // Every step's loss, bit for bit (checkpoints differ only in the config they carry).
        for name in [TrainingLogFile.fileName, "result.json"] { #expect(y[name] == x[name], "\(name) differs with the instruments on") }
        #expect(y.keys.contains(HeldOutProbeObserver.fileName) && y.keys.contains(AdamStatisticsObserver.fileName))
    }

    @Test func resumedInstrumentedRunIsBitIdentical() throws {
        try TrainerTests().expectResumeIsBitIdentical(instrumented(steps: 12, probeEvery: 3, adamEvery: 2))
    }

    @Test func schedulesAreOptionalAndValidated() throws {
        let c = tinyRunConfig()
        let json = String(decoding: c.canonicalJSON, as: UTF8.self)
        #expect(!json.contains("probe") && !json.contains("adamStatistics"))
        var d = instrumented()
        #expect(try JSONDecoder().decode(RunConfig.self, from: d.canonicalJSON) == d)
        #expect(RunCache.hash(d) != RunCache.hash(c))
        d.probe = ObserverSchedule(every: 0)
        #expect(throws: TrainingError.self) { try d.validate() }
        // Strict like every config section: a typo inside is an error, not the default.
        #expect(try StrictJSON.decode(ObserverSchedule.self, from: Data(#"{"every": 5}"#.utf8)) == ObserverSchedule(every: 5))
        #expect(throws: (any Error).self) { try StrictJSON.decode(ObserverSchedule.self, from: Data(#"{"every": 5, "evry": 3}"#.utf8)) }
    }
}
