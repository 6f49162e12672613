import Foundation
import SpikeKernels
import SpikeModel

/// SPAM's sparse momentum: for each attention and MLP matrix, the coordinates updated in the
/// current interval (the mask) and the Adam moments of those coordinates only, so the state of a
/// matrix at density d is about 3d floats per coordinate (m, v and the index) instead of 2.
///
/// Every draw follows from the run's seed and the draw's index alone, so a checkpoint keeps only
/// the masked moments and resuming redraws the mask. Draw j of tensor `name` uses
/// `RandomGenerator.stream(seed:name:)` with the name "spam.mask.<j>.<name>"
/// (tools/spam_reference.py draws the same masks):
/// - Draw 0, at the start, marks the first floor(density · numel) entries of `permutation(numel)`
///   (the reference's randperm: exactly that many coordinates).
/// - Draw j ≥ 1 marks coordinate i (row-major) when the i-th `uniform()` is below the density (the
///   reference's Bernoulli redraw, so the count varies).
final class SparseMomentum {
    /// The masked coordinates of one matrix, ascending and relative to its first element, with
    /// their moments at the same positions.
    struct Masked {
        var indices: [Int32]
        var m: FloatBuffer
        var v: FloatBuffer
    }

    /// Layout indices of the masked matrices, in layout order.
    let tensors: [Int]
    /// For each layout tensor, its position in `tensors`; nil when it has no mask.
    let position: [Int?]
    private(set) var masked: [Masked]
    private let layout: ParameterLayout
    private let density: Double
    private let seed: UInt64

    init(layout: ParameterLayout, tensors: [Int], density: Double, seed: UInt64) {
        self.layout = layout; self.tensors = tensors; self.density = density; self.seed = seed
        var position = [Int?](repeating: nil, count: layout.specs.count)
        for (n, t) in tensors.enumerated() { position[t] = n }
        self.position = position
        masked = []
        draw(0)
    }

    private func indices(draw: Int, tensor t: Int) -> [Int32] {
        var rng = RandomGenerator.stream(seed: seed, name: "spam.mask.\(draw).\(layout.specs[t].name)")
        let count = layout.specs[t].count
        if draw == 0 { return rng.permutation(count).prefix(Int(density * Double(count))).sorted().map { Int32($0) } }
        return (0..<count).compactMap { rng.uniform() < density ? Int32($0) : nil }
    }

    /// Draw `draw` with zero moments: the start, and the restore of a checkpoint (which then reads
    /// the moments into place).
    func draw(_ draw: Int) {
        var fresh = [Masked?](repeating: nil, count: tensors.count)
        fresh.withUnsafeMutableBufferPointer { out in
            parallelFor(tensors.count) { n in
                let indices = self.indices(draw: draw, tensor: tensors[n])
                out[n] = Masked(indices: indices, m: FloatBuffer(count: indices.count), v: FloatBuffer(count: indices.count))
            }
        }
        masked = fresh.map { $0! }
    }

    /// Draw `draw` (≥ 1) during training. The moments of coordinates in both the old and the new
    /// mask are kept and new ones start at 0, as in the reference (the reset on the next update
    /// zeroes them all anyway).
    func redraw(draw: Int) {
        let old = masked
        self.draw(draw)
        parallelFor(tensors.count) { n in
            let new = masked[n], previous = old[n]
            var j = 0
            for (k, i) in new.indices.enumerated() {
                while j < previous.indices.count && previous.indices[j] < i { j += 1 }
                if j < previous.indices.count && previous.indices[j] == i { new.m[k] = previous.m[j]; new.v[k] = previous.v[j] }
            }
        }
    }

    /// Positions in `masked[n]` of the coordinates in `range` (relative to the matrix's start).
    func span(_ n: Int, covering range: Range<Int>) -> Range<Int> {
        let indices = masked[n].indices
        func lowerBound(_ x: Int) -> Int {
            var low = 0, high = indices.count
            while low < high { let mid = (low + high) / 2; if Int(indices[mid]) < x { low = mid + 1 } else { high = mid } }
            return low
        }
        return lowerBound(range.lowerBound)..<lowerBound(range.upperBound)
    }

    /// The mask of `tensor` as 0/1 floats in row-major order (for tests and observers).
    func mask(of tensor: Int) -> [Float]? {
        guard let n = position[tensor] else { return nil }
        var mask = [Float](repeating: 0, count: layout.specs[tensor].count)
        for i in masked[n].indices { mask[Int(i)] = 1 }
        return mask
    }

    /// `m_masked.<tensor>` and `v_masked.<tensor>` for every masked matrix, one float per masked
    /// coordinate in ascending coordinate order.
    var stateTensors: [OptimizerStateTensor] {
        zip(tensors, masked).flatMap { t, entry in
            [("m_masked.", entry.m), ("v_masked.", entry.v)].map { prefix, buffer in
                OptimizerStateTensor(name: prefix + layout.specs[t].name, shape: [entry.indices.count], values: buffer.buffer)
            }
        }
    }

    /// Bytes held: the masked moments and their indices.
    var bytes: Int { masked.reduce(0) { $0 + $1.indices.count * (2 * MemoryLayout<Float>.stride + MemoryLayout<Int32>.stride) } }
}
