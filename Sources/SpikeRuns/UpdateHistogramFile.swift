import Foundation
import SpikeKernels
import SpikeModel
import SpikeTraining

/// The fixed bins of Adam's per-coordinate update r = m_hat / (sqrt(v_hat) + eps) (the update is
/// lr x r): `count` equal bins over [-bound, bound]; values beyond +-bound count in the end bins.
/// |r| is at most about 1 when the gradient's sign is steady and near 0 when it is noise or below
/// eps, so +-2 covers every mode the adam paper describes.
public enum UpdateBins {
    public static let bound = 2.0
    public static let count = 40
    public static var width: Double { 2 * bound / Double(count) }
    /// Centre of bin `i`.
    public static func centre(_ i: Int) -> Double { -bound + (Double(i) + 0.5) * width }
    /// The bin of `r` (end bins take everything beyond +-bound).
    @inline(__always) public static func index(_ r: Double) -> Int {
        min(count - 1, max(0, Int(((r + bound) / width).rounded(.down))))
    }
    public static let description = "\(count) bins of width \(2 * bound / Double(count)) over [-\(bound), \(bound)]; the end bins also count |r| > \(bound)"
}

/// `update_histograms.csv` (the run config's `updateHistograms`): every `every` updates, after the
/// update, per trained tensor, the histogram of r = m_hat / (sqrt(v_hat) + eps) over `UpdateBins`,
/// with the sums of r, r^2, r^3 and r^4 (for the bimodality coefficient). m_hat and v_hat are the
/// bias-corrected moments the update just used; with eps = 0 a coordinate whose sqrt(v_hat) is 0
/// has r = 0 (as AdamW defines 0/0). The observer writes the file; `UpdateHistograms` reads it.
///
/// Cost when on: one pass over m and v every `every` steps (`spikelab-bench` prints it).
public final class UpdateHistogramObserver: StepObserver {
    public static let fileName = "update_histograms.csv"
    static let header = "step,tensor,n,sum_r,sum_r2,sum_r3,sum_r4," + (0..<UpdateBins.count).map { "bin_\($0)" }.joined(separator: ",")

    private let file: StepCSV
    private let schedule: ObserverSchedule
    private let config: OptimizerConfig

    public init(config: RunConfig, schedule: ObserverSchedule, runDirectory: URL, resumeStep: Int, parentDirectory: URL?) throws {
        file = try StepCSV(observerFile: Self.fileName, header: Self.header, runDirectory: runDirectory,
                           resumeStep: resumeStep, parentDirectory: parentDirectory)
        self.schedule = schedule
        self.config = config.optimizer
    }

    public func afterUpdate(_ context: StepContext) throws {
        guard schedule.records(step: context.step, totalSteps: config.totalSteps) else { return }
        let layout = context.model.layout
        let state = context.optimizer.stateTensorsByName
        let t = Double(max(1, context.optimizer.step))
        let bc1 = 1 - pow(config.beta1, t), bc2 = 1 - pow(config.beta2, t), eps = config.eps
        for spec in layout.specs where spec.trainable {
            guard let m = state["m." + spec.name], let v = state["v." + spec.name] else { continue }
            let histogram = Self.histogram(m: m, v: v, bc1: bc1, bc2: bc2, eps: eps)
            let sums = histogram.sums.map(fmt).joined(separator: ",")
            try file.append("\(context.step),\(spec.name),\(spec.count),\(sums),\(histogram.counts.map(String.init).joined(separator: ","))")
        }
    }

    /// The histogram and power sums of r over one tensor's moments (sums in Double, in index order).
    static func histogram(m: UnsafeMutableBufferPointer<Float>, v: UnsafeMutableBufferPointer<Float>,
                          bc1: Double, bc2: Double, eps: Double) -> (counts: [Int], sums: [Double]) {
        var counts = [Int](repeating: 0, count: UpdateBins.count)
        var s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0
        for i in 0..<m.count {
            let denominator = (Double(v[i]) / bc2).squareRoot() + eps
            let r = denominator > 0 ? (Double(m[i]) / bc1) / denominator : 0
            counts[UpdateBins.index(r)] += 1
            let r2 = r * r
            s1 += r; s2 += r2; s3 += r2 * r; s4 += r2 * r2
        }
        return (counts, [s1, s2, s3, s4])
    }
}

/// The rows of `update_histograms.csv`, per tensor in the file's order.
public struct UpdateHistograms: Sendable {
    public struct Row: Equatable, Sendable {
        public var step: Int
        public var count: Int
        /// Sums of r, r^2, r^3, r^4.
        public var sums: [Double]
        public var bins: [Int]

        /// Sarle's bimodality coefficient (skewness^2 + 1) / kurtosis of r, from the exact moments:
        /// 1/3 for a normal, 5/9 for a uniform, 1 when all mass sits at two values (+-c); above 5/9
        /// reads as bimodal. NaN when r is constant.
        public var bimodality: Double {
            let n = Double(count), mean = sums[0] / n
            let m2 = sums[1] / n - mean * mean
            let m3 = sums[2] / n - 3 * mean * sums[1] / n + 2 * mean * mean * mean
            let m4 = sums[3] / n - 4 * mean * sums[2] / n + 6 * mean * mean * sums[1] / n - 3 * mean * mean * mean * mean
            guard m2 > 0 else { return .nan }
            let skew = m3 / (m2 * m2.squareRoot()), kurtosis = m4 / (m2 * m2)
            return (skew * skew + 1) / kurtosis
        }
        /// Share of coordinates with |r| >= 0.5 (the sign-like updates).
        public var largeShare: Double {
            let half = UpdateBins.count / 2, edge = Int((0.5 / UpdateBins.width).rounded())
            let large = bins[..<(half - edge)].reduce(0, +) + bins[(half + edge)...].reduce(0, +)
            return Double(large) / Double(max(1, count))
        }
    }

    public private(set) var tensors: [String] = []
    public private(set) var rows: [String: [Row]] = [:]

    public subscript(tensor: String) -> [Row]? { rows[tensor] }

    public init(contentsOf url: URL) throws {
        let file = try CSVRows(url: url, header: UpdateHistogramObserver.header)
        for (line, f) in file.rows {
            guard f.count == file.columns, let step = Int(f[0]), let n = Int(f[2]), n > 0 else {
                throw RunError("\(url.path) line \(line): expected \(file.columns) fields with step and n (\(file.headerLine))")
            }
            let sums = try f[3..<7].map { try file.double($0, line: line) }
            let bins = try f[7...].map { field -> Int in
                guard let c = Int(field), c >= 0 else { throw RunError("\(url.path) line \(line): bin count '\(field)' is not a count") }
                return c
            }
            guard bins.reduce(0, +) == n else { throw RunError("\(url.path) line \(line): bin counts do not add up to n = \(n)") }
            let name = String(f[1])
            if rows[name] == nil { tensors.append(name); rows[name] = [] }
            rows[name]!.append(Row(step: step, count: n, sums: sums, bins: bins))
        }
    }
}
