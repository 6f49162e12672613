import Foundation
import SpikeKernels
import SpikeModel
import SpikeTraining

/// `tensor_stats.csv` (the run config's `tensorStatistics`): per step and tensor, the gradient norm,
/// the weight norm before the update, the update's norm and their ratio (the wesar paper's update
/// ratio), of the trained tensor and of the effective weight the forward pass uses (the same for a
/// plain model; empty for a reparameterisation's own tensors). The observer writes it; the
/// `TensorStatistics` below reads it.
///
/// Cost when on: one copy of the parameters before the update and one pass over old and new
/// parameters after it (`spikelab-bench` prints it); a reparameterised model also copies its
/// effective weights and materialises them once more.
public final class TensorStatisticsObserver: StepObserver {
    public static let fileName = "tensor_stats.csv"
    static let header = "step,tensor,grad_norm,weight_norm,update_norm,update_ratio"
    static let effectiveColumns = ",effective_weight_norm,effective_update_norm,effective_update_ratio"

    private let file: StepCSV
    private let effectiveUpdates: EffectiveUpdates?

    public init(model: LlamaModel, runDirectory: URL, resumeStep: Int, parentDirectory: URL?) throws {
        file = try StepCSV(url: runDirectory.appendingPathComponent(Self.fileName), header: Self.header + Self.effectiveColumns,
                           resumeStep: resumeStep, inheritFrom: parentDirectory?.appendingPathComponent(Self.fileName),
                           oneRowPerStep: false)
        effectiveUpdates = model.config.reparameterization != nil ? EffectiveUpdates(model: model) : nil
    }

    public var needsPreviousParameters: Bool { true }

    public func afterBackward(_ context: StepContext) throws { effectiveUpdates?.recordBefore() }

    public func afterUpdate(_ context: StepContext) throws {
        guard let before = context.previousParameters else { return }
        let layout = context.model.layout
        let old = before.pointer, new = context.model.parameters.pointer
        let trainedChunks = layout.chunks.filter { layout.specs[$0.tensor].trainable }
        let updates = perTensorSums(trainedChunks, tensors: layout.specs.count) { r in
            updateSquares(old: old, new: new, r)
        }.map { norms($0 ?? .zero) }
        let effective = effectiveUpdates?.norms()
        for (i, spec) in layout.specs.enumerated() {
            let u = updates[i]
            // The effective weight's update (what the forward pass sees); the same as the raw
            // one for plain models, empty for the gates and state of a reparameterisation.
            let e = effective.map { $0[i] } ?? (spec.offset < layout.plainCount ? u : nil)
            let columns = [context.gradientNorms.perTensor[i], u.weightNorm, u.updateNorm, ratio(u.updateNorm, u.weightNorm)].map(fmt)
                + (e.map { [$0.weightNorm, $0.updateNorm, ratio($0.updateNorm, $0.weightNorm)].map(fmt) } ?? ["", "", ""])
            try file.append("\(context.step),\(spec.name),\(columns.joined(separator: ","))")
        }
    }
}

/// (sum of old^2, sum of (new - old)^2) over `r`, in Double, in index order.
private func updateSquares(old: UnsafePointer<Float>, new: UnsafePointer<Float>, _ r: Range<Int>) -> SIMD2<Double> {
    var weightSq = 0.0, updateSq = 0.0
    for i in r {
        weightSq += Double(old[i]) * Double(old[i])
        let delta = Double(new[i]) - Double(old[i])
        updateSq += delta * delta
    }
    return SIMD2(weightSq, updateSq)
}

private func norms(_ squares: SIMD2<Double>) -> (weightNorm: Double, updateNorm: Double) {
    (squares.x.squareRoot(), squares.y.squareRoot())
}

private func ratio(_ update: Double, _ weight: Double) -> Double { weight > 0 ? update / weight : .nan }

/// Norms of each effective weight and of its change over one optimiser step, for reparameterised
/// models (whose trained tensors are not the weights the forward pass uses).
final class EffectiveUpdates {
    let model: LlamaModel
    private let before: FloatBuffer

    init(model: LlamaModel) {
        self.model = model
        before = FloatBuffer(count: model.layout.plainCount)
    }

    /// Keeps the effective weights of this step's forward pass.
    func recordBefore() { before.pointer.update(from: model.weights.pointer, count: before.count) }

    /// Per tensor of the trained layout: (||W_before||, ||W_after - W_before||) of the effective
    /// weight, nil for the reparameterisation's own tensors.
    func norms() -> [(weightNorm: Double, updateNorm: Double)?] {
        model.materializeWeights()
        let layout = model.layout
        let old = UnsafePointer(before.pointer), new = UnsafePointer(model.weights.pointer)
        let squares = perTensorSums(layout.chunks.filter { $0.range.lowerBound < layout.plainCount }, tensors: layout.specs.count) { r in
            updateSquares(old: old, new: new, r)
        }
        return squares.map { $0.map(SpikeRuns.norms) }
    }
}

/// The per-tensor statistics of `tensor_stats.csv`
/// (`step,tensor,grad_norm,weight_norm,update_norm,update_ratio` of the trained tensor, then the
/// effective weight's `effective_weight_norm,effective_update_norm,effective_update_ratio`, empty
/// for a reparameterisation's own tensors; files written before those columns existed have NaN there).
public struct TensorStatistics: Sendable {
    public struct Series: Equatable, Sendable {
        public var step: [Int] = []
        public var gradNorm: [Double] = []
        public var weightNorm: [Double] = []
        public var updateNorm: [Double] = []
        public var updateRatio: [Double] = []
        public var effectiveUpdateRatio: [Double] = []
    }

    /// Tensor names in the order of the file (the parameter layout's order).
    public private(set) var tensors: [String] = []
    public private(set) var series: [String: Series] = [:]

    public subscript(tensor: String) -> Series? { series[tensor] }

    public init(contentsOf url: URL) throws {
        let rows = try CSVRows(url: url, header: TensorStatisticsObserver.header + TensorStatisticsObserver.effectiveColumns,
                               orHeader: TensorStatisticsObserver.header)
        for (line, f) in rows.rows {
            guard f.count == rows.columns, let s = Int(f[0]) else {
                throw RunError("\(url.path) line \(line): expected \(rows.columns) fields (\(rows.headerLine))")
            }
            let name = String(f[1])
            if series[name] == nil { tensors.append(name); series[name] = Series() }
            series[name]!.step.append(s)
            series[name]!.gradNorm.append(try rows.double(f[2], line: line))
            series[name]!.weightNorm.append(try rows.double(f[3], line: line))
            series[name]!.updateNorm.append(try rows.double(f[4], line: line))
            series[name]!.updateRatio.append(try rows.double(f[5], line: line))
            series[name]!.effectiveUpdateRatio.append(f.count > 8 && !f[8].isEmpty ? try rows.double(f[8], line: line) : .nan)
        }
    }
}

