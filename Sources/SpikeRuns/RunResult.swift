import Foundation
import SpikeKernels

/// How a run ended: `result.json`, whose presence marks the run finished.
public struct RunResult: Codable, Equatable, Sendable {
    /// `stopped`: the call ended early on request (never written to result.json).
    public enum Status: String, Codable, Sendable { case completed, diverged, stopped }
    public var status: Status
    /// Updates taken (for a diverged run: the step whose loss was not finite).
    public var steps: Int
    public var finalLoss: Float?

    public init(status: Status, steps: Int, finalLoss: Float?) {
        self.status = status; self.steps = steps; self.finalLoss = finalLoss
    }

    public static let fileName = "result.json"

    /// The result of the run in `directory`, nil while it has not finished (or the file is unreadable).
    public static func read(in directory: URL) -> RunResult? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(fileName)) else { return nil }
        return try? JSONDecoder().decode(RunResult.self, from: data)
    }

    /// Writes `result.json` atomically (sorted keys, pretty-printed).
    public func write(in directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(self), to: directory.appendingPathComponent(RunResult.fileName))
    }
}
