import Foundation
import SpikeKernels
import SpikeModel
import SpikeTraining

/// `adam_stats.csv` (the run config's `adamStatistics`): every `every` updates, after the update,
/// per trained tensor, with g the step's gradient times its clipping coefficient (what entered
/// the moments) and v_hat = v / (1 - beta2^t) the bias-corrected second moment the update used:
/// - `grad_rms` = sqrt(mean g^2) and `sqrt_v_rms` = sqrt(mean v_hat) (the RMS of sqrt(v_hat));
/// - `update_rms` = sqrt(mean g^2 / v_hat) over coordinates with v_hat > 0: above 1, v under-
///   estimates the gradient, which precedes spikes in Wortsman et al. 2023b (StableAdamW);
/// - `grad_near_eps`, `sqrt_v_near_eps`: the share of coordinates with |g|, or sqrt(v_hat), below
///   10 x eps (Molybog et al.: shallow layers whose gradients sit near eps).
/// Reads the optimiser's `v.<tensor>` state, so it serves AdamW and SPAM alike (both keep the
/// bias-correction counter in `step`). The observer writes the file; `AdamStatistics` reads it.
///
/// Cost when on: one pass over gradients and v every `every` steps (`spikelab-bench` prints it).
public final class AdamStatisticsObserver: StepObserver {
    public static let fileName = "adam_stats.csv"
    static let header = "step,tensor,grad_rms,sqrt_v_rms,update_rms,grad_near_eps,sqrt_v_near_eps"

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
        let secondMoments = context.optimizer.stateTensorsByName
        let bc2 = 1 - pow(config.beta2, Double(max(1, context.optimizer.step)))
        let nearEps = 10 * config.eps, scale = Double(context.gradientScale)
        let g = UnsafePointer(context.model.gradients.pointer)
        let chunks = layout.chunks.filter { layout.specs[$0.tensor].trainable }
        // The optimiser's v buffers are per tensor; a chunk reads its tensor's buffer at its offset.
        let tensorOfChunk = Dictionary(uniqueKeysWithValues: chunks.map { ($0.range.lowerBound, $0.tensor) })
        let sums = perTensorSums(chunks, tensors: layout.specs.count) { range -> SIMD8<Double> in
            let spec = layout.specs[tensorOfChunk[range.lowerBound]!]
            guard let v = secondMoments["v." + spec.name]?.baseAddress else { return SIMD8(repeating: .nan) }
            var s = SIMD8<Double>()
            for i in range {
                let gi = Double(g[i]) * scale, vHat = Double(v[i - spec.offset]) / bc2
                s[0] += gi * gi
                s[1] += vHat
                if vHat > 0 { s[2] += gi * gi / vHat; s[3] += 1 }
                if abs(gi) < nearEps { s[4] += 1 }
                if vHat.squareRoot() < nearEps { s[5] += 1 }
            }
            return s
        }
        for (t, spec) in layout.specs.enumerated() {
            guard let s = sums[t] else { continue }
            let n = Double(spec.count)
            let columns = [(s[0] / n).squareRoot(), (s[1] / n).squareRoot(), s[3] > 0 ? (s[2] / s[3]).squareRoot() : .nan,
                           s[4] / n, s[5] / n]
            try file.append("\(context.step),\(spec.name),\(columns.map(fmt).joined(separator: ","))")
        }
    }
}

/// The per-tensor rows of `adam_stats.csv`.
public struct AdamStatistics: Sendable {
    public struct Series: Equatable, Sendable {
        public var step: [Int] = []
        public var gradRMS: [Double] = []
        public var sqrtVRMS: [Double] = []
        public var updateRMS: [Double] = []
        public var gradNearEps: [Double] = []
        public var sqrtVNearEps: [Double] = []
    }

    /// Tensor names in the order of the file (the parameter layout's order).
    public private(set) var tensors: [String] = []
    public private(set) var series: [String: Series] = [:]

    public subscript(tensor: String) -> Series? { series[tensor] }

    public init(contentsOf url: URL) throws {
        let rows = try CSVRows(url: url, header: AdamStatisticsObserver.header)
        for (line, f) in rows.rows {
            guard f.count == rows.columns, let s = Int(f[0]) else {
                throw RunError("\(url.path) line \(line): expected \(rows.columns) fields (\(rows.headerLine))")
            }
            let name = String(f[1])
            if series[name] == nil { tensors.append(name); series[name] = Series() }
            let values = try f[2...].map { try rows.double($0, line: line) }
            series[name]!.step.append(s)
            series[name]!.gradRMS.append(values[0])
            series[name]!.sqrtVRMS.append(values[1])
            series[name]!.updateRMS.append(values[2])
            series[name]!.gradNearEps.append(values[3])
            series[name]!.sqrtVNearEps.append(values[4])
        }
    }
}
