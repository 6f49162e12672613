import Foundation
import SpikeKernels
import SpikeModel

/// SPAM's sparse-momentum masks: which coordinates of each attention and MLP matrix are updated in
/// the current interval. They are stored as 0/1 floats, so a checkpoint holds them like any other
/// state tensor, in one buffer that covers those matrices only.
///
/// Every draw follows from the run's seed and the draw's index alone, so resuming needs no
/// generator state. Draw j of tensor `name` uses `RandomGenerator.stream(seed:name:)` with the name
/// "spam.mask.<j>.<name>" (tools/spam_reference.py draws the same masks):
/// - Draw 0, at the start, marks the first floor(density · numel) entries of `permutation(numel)`
///   (the reference's randperm: exactly that many coordinates).
/// - Draw j ≥ 1 marks coordinate i (row-major) when the i-th `uniform()` is below the density (the
///   reference's Bernoulli redraw, so the count varies).
final class SparseMomentumMasks {
    /// Layout indices of the masked matrices, in layout order.
    let tensors: [Int]
    /// For each layout tensor, where its mask starts in `values`; nil when it has none.
    let start: [Int?]
    let values: FloatBuffer
    private let layout: ParameterLayout
    private let density: Double
    private let seed: UInt64

    init(layout: ParameterLayout, tensors: [Int], density: Double, seed: UInt64) {
        self.layout = layout; self.tensors = tensors; self.density = density; self.seed = seed
        var start = [Int?](repeating: nil, count: layout.specs.count)
        var total = 0
        for t in tensors {
            start[t] = total
            total += layout.specs[t].count
        }
        self.start = start
        values = FloatBuffer(count: total)
        parallelFor(tensors.count) { drawFirst(tensor: tensors[$0]) }
    }

    private func generator(draw: Int, tensor t: Int) -> RandomGenerator {
        .stream(seed: seed, name: "spam.mask.\(draw).\(layout.specs[t].name)")
    }

    private func drawFirst(tensor t: Int) {
        var rng = generator(draw: 0, tensor: t)
        let count = layout.specs[t].count, mask = values.pointer + start[t]!
        for i in rng.permutation(count).prefix(Int(density * Double(count))) { mask[i] = 1 }
    }

    /// Draw `draw` (≥ 1) for every masked matrix. Moments of coordinates that are not in both the
    /// old and the new mask are zeroed, as in the reference (which keeps the moments of the
    /// overlap only), so they stay 0 outside the mask.
    func redraw(draw: Int, m: FloatBuffer, v: FloatBuffer) {
        parallelFor(tensors.count) { n in
            let t = tensors[n]
            var rng = generator(draw: draw, tensor: t)
            let spec = layout.specs[t], mask = values.pointer + start[t]!
            let mt = m.pointer + spec.offset, vt = v.pointer + spec.offset
            for i in 0..<spec.count {
                let kept: Float = rng.uniform() < density ? 1 : 0
                if kept == 0 || mask[i] == 0 { mt[i] = 0; vt[i] = 0 }
                mask[i] = kept
            }
        }
    }

    /// `mask.<tensor>` for every masked matrix.
    var stateTensors: [OptimizerStateTensor] {
        tensors.map { t in
            let spec = layout.specs[t]
            return OptimizerStateTensor(name: "mask." + spec.name, shape: spec.shape,
                                        values: UnsafeMutableBufferPointer(start: values.pointer + start[t]!, count: spec.count))
        }
    }
}
