import Foundation
import Testing
import SpikeRuns
import SpikeTestSupport

/// A run whose loss blows up and settles completes, but result.json records it (issue 15, item 14).
struct InstabilityTests {
    let uniform = log(32.0)

    @Test func aBlowUpThatSettlesAtLnVIsRecorded() {
        let losses = [uniform, 2.0, 2409, 50, uniform * 1.01]
        let i = RunResult.Instability.detect(steps: [0, 1, 2, 3, 4], losses: losses, vocabSize: 32)
        #expect(i == RunResult.Instability(peakLoss: 2409, peakStep: 2, blewUp: true, stalled: true))
    }

    @Test func aCollapseBackToLnVIsAStall() {
        let i = RunResult.Instability.detect(steps: [0, 10, 20], losses: [uniform, 2.0, uniform], vocabSize: 32)
        #expect(i?.stalled == true && i?.blewUp == false)
    }

    @Test func healthyAndNotYetLearningRunsHaveNone() {
        #expect(RunResult.Instability.detect(steps: [0, 1, 2], losses: [uniform, 3.0, 2.5], vocabSize: 32) == nil)
        #expect(RunResult.Instability.detect(steps: [0, 1, 2], losses: [uniform, uniform, uniform], vocabSize: 32) == nil)
    }

    @Test func resultsWithoutTheFieldStillReadAndHealthyRunsOmitIt() throws {
        let dir = temporaryDirectory("instability")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"status": "completed", "steps": 3, "finalLoss": 2.5}"#.utf8).write(to: dir.appendingPathComponent("result.json"))
        #expect(RunResult.read(in: dir)?.instability == nil)
        #expect(RunResult.read(in: dir)?.finalLoss == 2.5)

        let run = dir.appendingPathComponent("run")
        let result = try quietTrainer(tinyConfig(), in: run).run()
        #expect(result.status == .completed && result.instability == nil)
        let text = try String(contentsOf: run.appendingPathComponent("result.json"), encoding: .utf8)
        #expect(!text.contains("instability"))
    }

    @Test func aRunThatNeverLeavesLnVIsNotAStall() throws {
        let dir = temporaryDirectory("stall")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A run with a vanishing learning rate stays at ln V: not a stall (it never learned).
        let result = try quietTrainer(tinyConfig(maxLR: 1e-9), in: dir).run()
        #expect(result.instability == nil)
    }
}
