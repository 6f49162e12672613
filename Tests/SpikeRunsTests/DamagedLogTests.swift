import Foundation
import Testing
import SpikeTestSupport
@testable import SpikeRuns
import SpikeTraining

/// A resumed run keeps only log rows that are provably intact: a damaged, cut or missing log is an
/// error naming the file, never silently rewritten (issue 15, item 3).
@Suite struct DamagedLogTests {
    enum Damage: String, CaseIterable { case invalidUTF8, rowCutBeforeTheCheckpoint, deleted }

    @Test(arguments: Damage.allCases)
    func resumeRefusesADamagedLog(_ damage: Damage) throws {
        let c = tinyRunConfig(steps: 12)
        let dir = temporaryDirectory("damaged")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try quietTrainer(c, in: dir).run(stopAfter: 8).status == .stopped)   // checkpoint at 5, rows 0..7
        let log = dir.appendingPathComponent("log.csv")
        var bytes = try Data(contentsOf: log)
        switch damage {
        case .invalidUTF8: bytes[bytes.count / 2] = 0xFF
        case .rowCutBeforeTheCheckpoint:
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            bytes = Data((lines.prefix(4).joined(separator: "\n") + "\n" + lines[4].prefix(5)).utf8)
        case .deleted: try FileManager.default.removeItem(at: log)
        }
        if damage != .deleted { try bytes.write(to: log) }
        #expect { try quietTrainer(c, in: dir).run() } throws: { error in
            error is RunError && "\(error)".contains("log.csv")
        }
        if damage != .deleted { #expect(try Data(contentsOf: log) == bytes, "the damaged log must be left as it was") }
    }

    /// Killed after the last checkpoint is in place but before result.json (issue 15, item 1):
    /// the resume still records the final loss.
    @Test func resumeAfterTheLastCheckpointKeepsTheFinalLoss() throws {
        let c = tinyRunConfig(steps: 10)
        let dir = temporaryDirectory("final")
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try quietTrainer(c, in: dir).run()
        let resultFile = dir.appendingPathComponent(RunResult.fileName)
        let bytes = try Data(contentsOf: resultFile)
        try FileManager.default.removeItem(at: resultFile)
        let resumed = try quietTrainer(c, in: dir).run()
        #expect(whole.finalLoss != nil && resumed == whole)
        #expect(try Data(contentsOf: resultFile) == bytes)
    }
}
