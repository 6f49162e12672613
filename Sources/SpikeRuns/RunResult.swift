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
    /// The arithmetic that made the run (absent in results written before it was recorded).
    public var numerics: Fingerprint?
    /// A blow-up or stall the log shows although the run completed (absent when there was none,
    /// and in results written before it was recorded).
    public var instability: Instability?

    public init(status: Status, steps: Int, finalLoss: Float?, numerics: Fingerprint? = Numerics.fingerprint) {
        self.status = status; self.steps = steps; self.finalLoss = finalLoss; self.numerics = numerics
    }

    public static let fileName = "result.json"

    /// A loss that rose far above the uniform predictor's, or a final loss at it: a run whose loss
    /// rose to 2409 and then settled at ln V completes, and must not look like a healthy run.
    public struct Instability: Codable, Equatable, Sendable {
        /// The largest loss in the log and the step it was logged at.
        public var peakLoss: Double
        public var peakStep: Int
        /// The loss rose above twice ln(vocabSize) (the uniform predictor's loss) at some step.
        public var blewUp: Bool
        /// The final loss is within 5% of ln(vocabSize) (the model predicts about uniformly) after
        /// a blow-up or after the loss had been below 0.8 ln(vocabSize): it collapsed back. A short
        /// run that has not left ln V yet is not a stall.
        public var stalled: Bool

        public init(peakLoss: Double, peakStep: Int, blewUp: Bool, stalled: Bool) {
            self.peakLoss = peakLoss; self.peakStep = peakStep; self.blewUp = blewUp; self.stalled = stalled
        }

        /// The instability in a log's (step, loss) rows for a vocabulary of `vocabSize`; nil when
        /// the loss neither blew up nor stalled.
        public static func detect(steps: [Int], losses: [Double], vocabSize: Int) -> Instability? {
            let uniform = log(Double(vocabSize))
            guard let last = losses.last, let peak = losses.indices.filter({ losses[$0].isFinite }).max(by: { losses[$0] < losses[$1] })
            else { return nil }
            let blewUp = losses[peak] > 2 * uniform
            let learned = losses.contains { $0 < 0.8 * uniform }
            let stalled = abs(last - uniform) <= 0.05 * uniform && (blewUp || learned)
            guard blewUp || stalled else { return nil }
            return Instability(peakLoss: losses[peak], peakStep: steps[peak], blewUp: blewUp, stalled: stalled)
        }
    }

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
