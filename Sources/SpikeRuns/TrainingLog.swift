import Foundation
import SpikeTraining

/// `log.csv`: one row per update (step, lr, loss, cross_entropy, grad_norm, clipped), written by
/// the trainer as the run goes and byte-identical across identical runs.
public enum TrainingLogFile {
    public static let fileName = "log.csv"
    public static let header = "step,lr,loss,cross_entropy,grad_norm,clipped"

    /// The row of one step's outcome (a non-finite loss has grad_norm `nan`).
    static func row(_ o: StepOutcome) -> String {
        "\(o.step),\(fmt(o.learningRate)),\(fmt(o.loss)),\(fmt(o.crossEntropy)),\(o.lossIsFinite ? fmt(o.gradientNorm) : "nan"),\(o.clipped ? 1 : 0)"
    }
}

/// `timing.csv`: the wall clock of every update (not deterministic, so never compared).
public enum TimingLogFile {
    public static let fileName = "timing.csv"
    public static let header = "step,step_seconds,wall_seconds"

    static func row(step: Int, stepSeconds: Double, wallSeconds: Double) -> String { "\(step),\(stepSeconds),\(wallSeconds)" }

    /// The sum of the step times of the run in `directory` (its training time without evaluation).
    public static func trainingSeconds(in directory: URL) throws -> Double {
        let rows = try CSVRows(url: directory.appendingPathComponent(fileName), header: header)
        return try rows.rows.reduce(0) { sum, row in
            guard row.fields.count == 3 else { throw RunError("\(rows.url.path) line \(row.line): expected 3 fields (\(header))") }
            return sum + (try rows.double(row.fields[1], line: row.line))
        }
    }
}

/// The columns of a run's `log.csv` (`step,lr,loss,cross_entropy,grad_norm,clipped`). Non-finite
/// values (a diverged step) are kept as NaN / infinity.
public struct TrainingLog: Equatable, Sendable {
    public var step: [Int] = []
    public var lr: [Double] = []
    public var loss: [Double] = []
    public var crossEntropy: [Double] = []
    public var gradNorm: [Double] = []
    public var clipped: [Bool] = []

    public init() {}

    public init(contentsOf url: URL) throws {
        let rows = try CSVRows(url: url, header: TrainingLogFile.header)
        for (line, fields) in rows.rows {
            guard fields.count == 6, let s = Int(fields[0]), let c = Int(fields[5]) else {
                throw RunError("\(url.path) line \(line): expected 6 fields (step,lr,loss,cross_entropy,grad_norm,clipped)")
            }
            step.append(s)
            lr.append(try rows.double(fields[1], line: line))
            loss.append(try rows.double(fields[2], line: line))
            crossEntropy.append(try rows.double(fields[3], line: line))
            gradNorm.append(try rows.double(fields[4], line: line))
            clipped.append(c != 0)
        }
    }

    public var count: Int { step.count }
    /// Steps as doubles (for plotting).
    public var stepValues: [Double] { step.map(Double.init) }
}

