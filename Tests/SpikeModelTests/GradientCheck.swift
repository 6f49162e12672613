// Finite-difference gradient checks: shared method, tolerances and helpers.
//
// METHOD. Every layer is turned into a scalar test function L = sum(w ⊙ y), where y is the layer's
// output and w a fixed random N(0, 1) weighting of it (for CrossEntropy, whose output is already
// the scalar loss, L is that loss; for the whole model, L is the training loss, mean cross-entropy
// + zLoss * mean(logsumexp^2)). L is always accumulated in Double. The analytic gradient of L with
// respect to every input and parameter comes from the code's own backward, fed dL/dy = w. Each
// analytic gradient is compared with two numerical ones:
//
//   fp32: central differences of the fp32 forward under test, Richardson-extrapolated,
//           D(h) = (L(x + h) - L(x - h)) / ((x + h) - (x - h))   (the actual steps after rounding to Float)
//           num  = (4 D(h) - D(2h)) / 3                            (truncation O(h^4) instead of O(h^2))
//         with h = 2e-2 absolute (inputs and parameters have magnitude ~0.25..3). The fp32 forward's
//         rounding puts a jitter of ~1e-7 * |L| into L; dividing by 2h = 4e-2 rather than the 2e-3
//         of a plain h = 1e-3 difference makes it 20x smaller in the quotient, and the O(h^4)
//         truncation stays below it. Coordinates a perturbation does not reach give bit-identical
//         outputs, so they add no noise.
//   fp64: plain central differences (h = 1e-5) of an independent Double reference forward
//         (DoubleReference.swift), which must first reproduce the fp32 forward's output to 1e-5
//         relative (measured <= 1.1e-7). These are exact to ~1e-9, so what remains is the fp32
//         rounding of the backward itself, and the tolerance can be tight.
//
// Small tensors are checked at every coordinate, larger ones at a fixed random subset.
//
// TOLERANCES (per coordinate: |num - ana| / max(|num|, |ana|, floor * max|ana| over the tensor);
// per tensor: ||num - ana||_2 / ||num||_2 over the checked coordinates). The largest errors
// measured on this code (Linux x86-64, OpenBLAS, debug build) are in brackets.
//   fp32, layers:       floor 1e-2, coordinate < 1e-2 [3.4e-3], tensor < 1e-3 [8.2e-5]
//   fp32, whole model:  floor 1e-2, coordinate < 5e-2 [1.7e-2], tensor < 3e-3 [5.7e-4]
//                       (a perturbation there reaches every output, so the jitter is larger)
//   fp64, everything:   floor 1e-3, coordinate < 1e-3 [layers 1.8e-5, model 8.6e-5],
//                       tensor < 1e-5 [layers 3.1e-7, model 9.0e-7]
//   whole-model directional derivative along a random u over all parameters, relative error:
//                       fp32 (Richardson, h = 1e-3 with u ~ N(0, 1)) < 1e-3 [9.0e-5];
//                       fp64 (central, h = 1e-5) < 1e-5 [1.0e-6]
// A wrong formula (sign flip, dropped factor, missing term, wrong transpose) gives errors of
// 1e-2..1 in the affected tensor; each kind of break was confirmed to fail these tests in a
// scratch copy of the sources.

import Foundation
import Testing
import SpikeKernels
@testable import SpikeModel

/// How numerical gradients are taken and judged at one precision.
struct Precision: Sendable {
    var label: String
    /// Finite-difference step (absolute).
    var step: Double
    /// Richardson-extrapolate (4 evaluations, truncation O(h^4)) or plain central differences
    /// (2 evaluations, O(h^2)).
    var richardson: Bool
    /// Per-coordinate errors are measured against max(|num|, |ana|, floorFraction * scale).
    var floorFraction: Double
    /// Largest per-coordinate relative error accepted.
    var coordinate: Double
    /// Largest per-tensor norm-based relative error ||num - ana|| / ||num|| accepted.
    var norm: Double
}

enum GradCheck {
    static let env = ProcessInfo.processInfo.environment

    /// Central differences of the fp32 code itself.
    static let float32 = Precision(label: "fp32", step: 2e-2, richardson: true,
                                   floorFraction: 1e-2, coordinate: 1e-2, norm: 1e-3)
    /// The same on the whole model, where a perturbation reaches every output (more rounding noise).
    /// A coordinate's numerical derivative carries the fp32 loss's rounding noise divided by the
    /// step: a few ulps of a loss near 3.5 (ulp 2.4e-7) over 2h = 4e-2 is ~2e-5 absolute, which
    /// against the floor (1e-2 of the tensor's largest gradient, ~1e-3 for the gates) is up to
    /// ~5e-2 on any kernel family; 0.1 leaves a factor of two over the worst seen (0.052,
    /// sigmaReparam under OpenBLAS's Haswell kernels). The fp64 check below is the sharp one.
    static let float32Model = Precision(label: "fp32", step: float32.step, richardson: true,
                                        floorFraction: 1e-2, coordinate: 1e-1, norm: 3e-3)
    /// Central differences of the Double reference forward (fp32 analytic gradients). The analytic
    /// gradient is computed in fp32, and the BLAS kernel family decides the accumulation order
    /// (and FMA or not) inside every dot product, so it moves by a few ulps per product; along the
    /// ~30 products of a forward and backward pass that is O(100) fp32 ulps (2^-23 = 1.19e-7)
    /// relative. The norm bound is 256 ulps (3.05e-5), on every kernel family; the worst seen is
    /// 1.54e-5 (WeSaR, Haswell kernels; 1.04e-5 Cooperlake, below 1e-5 SkylakeX).
    static let float64 = Precision(label: "fp64", step: 1e-5, richardson: false, floorFraction: 1e-3, coordinate: 1e-3,
                                   norm: 256 * 0x1p-23)
    /// Largest relative error accepted for whole-model fp32 directional derivatives.
    static let directionalTolerance = 1e-3
    /// Largest relative error accepted for whole-model Double directional derivatives.
    static let directionalTolerance64 = 1e-5
    /// Step of the whole-model fp32 directional derivative (the direction has N(0, 1) coordinates).
    static let directionalStep = 1e-3
    /// The fp32 forward and the Double reference forward must agree to this (max |diff| / max |ref|).
    static let forwardAgreement = 1e-5

    /// Prints every comparison when GRADCHECK_VERBOSE is set (used to measure the errors quoted above).
    static let verbose = env["GRADCHECK_VERBOSE"] != nil

    /// Central difference of `loss` with respect to the value at `p` (restored exactly afterwards),
    /// Richardson-extrapolated when `precision.richardson`. Steps are the actual differences after rounding x ± h to T,
    /// so rounding does not bias the quotient.
    static func derivative<T: BinaryFloatingPoint>(at p: UnsafeMutablePointer<T>, _ precision: Precision,
                                                   loss: () -> Double) -> Double {
        let h = precision.step
        let x0 = p.pointee
        func central(_ delta: Double) -> Double {
            p.pointee = T(Double(x0) + delta)
            let xPlus = Double(p.pointee), lPlus = loss()
            p.pointee = T(Double(x0) - delta)
            let xMinus = Double(p.pointee), lMinus = loss()
            p.pointee = x0
            return (lPlus - lMinus) / (xPlus - xMinus)
        }
        let d1 = central(h)
        return precision.richardson ? (4 * d1 - central(2 * h)) / 3 : d1
    }

    /// Numerical derivative of `loss` along `direction` over the Floats at `values` (restored
    /// exactly afterwards), Richardson-extrapolated like `derivative`.
    static func directionalDerivative(values: UnsafeMutablePointer<Float>, direction: [Double], step h: Double,
                                      loss: () -> Double) -> Double {
        let original = Array(UnsafeBufferPointer(start: values, count: direction.count))
        func central(_ delta: Double) -> Double {
            for i in 0..<direction.count { values[i] = Float(Double(original[i]) + delta * direction[i]) }
            let lPlus = loss()
            for i in 0..<direction.count { values[i] = Float(Double(original[i]) - delta * direction[i]) }
            let lMinus = loss()
            original.withUnsafeBufferPointer { values.update(from: $0.baseAddress!, count: direction.count) }
            return (lPlus - lMinus) / (2 * delta)
        }
        let d1 = central(h), d2 = central(2 * h)
        return (4 * d1 - d2) / 3
    }

    /// The same along `direction` over Doubles, with plain central differences.
    static func directionalDerivative64(values: UnsafeMutablePointer<Double>, direction: [Double], step h: Double,
                                        loss: () -> Double) -> Double {
        let original = Array(UnsafeBufferPointer(start: values, count: direction.count))
        for i in 0..<direction.count { values[i] = original[i] + h * direction[i] }
        let lPlus = loss()
        for i in 0..<direction.count { values[i] = original[i] - h * direction[i] }
        let lMinus = loss()
        original.withUnsafeBufferPointer { values.update(from: $0.baseAddress!, count: direction.count) }
        return (lPlus - lMinus) / (2 * h)
    }

    /// The coordinates to check: all of them, or `sample` fixed random ones of a larger tensor.
    static func coordinates(_ count: Int, sample: Int, name: String) -> [Int] {
        if count <= sample { return Array(0..<count) }
        var rng = RandomGenerator.stream(seed: 7, name: name)
        return Array(rng.permutation(count).prefix(sample)).sorted()
    }

    /// Compares `analytic` with `numerical(i)` at the chosen coordinates. Errors are relative to
    /// max(|num|, |ana|, floorFraction * scale), scale being the largest |ana| of the tensor, or
    /// `peerScale` when given (the largest gradient among tensors of the same kind: a scalar gate
    /// has no peers inside its own tensor); the norm error's denominator has the same floor.
    static func compare(_ name: String, _ precision: Precision, analytic: [Float], sample: Int, peerScale: Double? = nil,
                        numerical: (Int) -> Double) -> GradientComparison {
        let scale = peerScale ?? analytic.reduce(0.0) { max($0, abs(Double($1))) }
        let floor = max(precision.floorFraction * scale, 1e-30)
        var result = GradientComparison(name: name, precision: precision)
        var diffSquares = 0.0, numSquares = 0.0
        for i in coordinates(analytic.count, sample: sample, name: name) {
            let num = numerical(i), ana = Double(analytic[i])
            let error = abs(num - ana) / max(abs(num), abs(ana), floor)
            if error > result.maxCoordinateError || result.worstIndex < 0 {
                result.maxCoordinateError = error
                result.worstIndex = i; result.worstNumerical = num; result.worstAnalytic = ana
            }
            diffSquares += (num - ana) * (num - ana)
            numSquares += num * num
            result.checked += 1
        }
        result.normError = diffSquares.squareRoot() / max(numSquares.squareRoot(), peerScale == nil ? 1e-300 : floor)
        if verbose { print("gradcheck \(result)") }
        return result
    }

    /// fp32 central differences of `loss` over the Floats at `values`.
    static func compareFloat(_ name: String, _ precision: Precision = float32, values: UnsafeMutablePointer<Float>,
                             analytic: [Float], sample: Int, peerScale: Double? = nil, loss: () -> Double) -> GradientComparison {
        compare(name, precision, analytic: analytic, sample: sample, peerScale: peerScale) {
            derivative(at: values + $0, precision, loss: loss)
        }
    }

    /// Double central differences of `loss` over the Doubles at `values`.
    static func compareDouble(_ name: String, values: UnsafeMutablePointer<Double>, analytic: [Float], sample: Int,
                              peerScale: Double? = nil, loss: () -> Double) -> GradientComparison {
        compare(name, float64, analytic: analytic, sample: sample, peerScale: peerScale) {
            derivative(at: values + $0, float64, loss: loss)
        }
    }

    /// Expects a comparison to be within its precision's tolerances.
    static func expectClose(_ c: GradientComparison, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(c.checked > 0, "\(c.name): nothing checked", sourceLocation: sourceLocation)
        #expect(c.maxCoordinateError < c.precision.coordinate, "\(c)", sourceLocation: sourceLocation)
        #expect(c.normError < c.precision.norm, "\(c)", sourceLocation: sourceLocation)
    }

    /// The whole check of one layer. `inputs` are its differentiable inputs and parameters with the
    /// analytic gradients its backward gave for dL/dy = `weighting`; `forward32` runs the layer on
    /// their current values and returns its output y; `forward64` is the Double reference on Double
    /// copies of them (same order). Checks (1) that the two forwards agree, (2) fp32 central
    /// differences of L = sum(w ⊙ y) against the analytic gradients, (3) the same with Double
    /// central differences of the reference.
    static func checkLayer(_ layer: String, inputs: [(name: String, values: FloatBuffer, analytic: [Float])],
                           weighting: [Double], sample: Int = 120,
                           forward32: () -> [Double], forward64: ([DoubleBuffer]) -> [Double],
                           sourceLocation: SourceLocation = #_sourceLocation) {
        let copies = inputs.map { DoubleBuffer($0.values.pointer, count: $0.values.count) }
        let y32 = forward32(), y64 = forward64(copies)
        let agreement = relativeDifference(y32, y64)
        if verbose { print("gradcheck \(layer): fp32 forward vs Double reference \(String(format: "%.3e", agreement))") }
        #expect(y32.count == y64.count && agreement < forwardAgreement,
                "\(layer): the Double reference forward differs from the fp32 forward by \(agreement)", sourceLocation: sourceLocation)
        func weighted(_ y: [Double]) -> Double {
            var s = 0.0
            for i in 0..<y.count { s += weighting[i] * y[i] }
            return s
        }
        for (k, input) in inputs.enumerated() {
            let name = "\(layer).\(input.name)"
            expectClose(compareFloat(name, values: input.values.pointer, analytic: input.analytic, sample: sample) {
                weighted(forward32())
            }, sourceLocation: sourceLocation)
            expectClose(compareDouble(name, values: copies[k].pointer, analytic: input.analytic, sample: sample) {
                weighted(forward64(copies))
            }, sourceLocation: sourceLocation)
        }
    }

    /// A buffer of N(mean, std^2) values from a named stream.
    static func normal(_ count: Int, std: Double = 1, mean: Double = 0, seed: UInt64 = 1, name: String) -> FloatBuffer {
        let b = FloatBuffer(count: count)
        var rng = RandomGenerator.stream(seed: seed, name: name)
        rng.fillNormal(b.pointer, count: count, std: std, mean: mean)
        return b
    }

    /// A buffer filled with `value` (used to prove that "overwrite" outputs really are overwritten).
    static func filled(_ count: Int, _ value: Float) -> FloatBuffer {
        let b = FloatBuffer(count: count)
        b.pointer.update(repeating: value, count: count)
        return b
    }

    static func doubles(_ b: FloatBuffer) -> [Double] { b.array.map(Double.init) }

    static func doubles(_ b: DoubleBuffer) -> [Double] { Array(UnsafeBufferPointer(start: b.pointer, count: b.count)) }

    /// max_i |a_i - b_i| / max_i |b_i|.
    static func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        var diff = 0.0, scale = 0.0
        for i in 0..<b.count {
            diff = max(diff, abs(a[i] - b[i]))
            scale = max(scale, abs(b[i]))
        }
        return diff / max(scale, 1e-300)
    }

    /// Checks that a second backward call that accumulates produced twice the first result (up to
    /// Float rounding of the sum).
    static func expectDoubled(_ name: String, _ twice: FloatBuffer, _ once: [Float],
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let e = relativeDifference(doubles(twice), once.map { 2 * Double($0) })
        #expect(e < 1e-6, "\(name): accumulating a second backward gives \(e) relative error vs 2x the first",
                sourceLocation: sourceLocation)
    }
}

struct GradientComparison: CustomStringConvertible {
    var name: String
    var precision: Precision
    var checked = 0
    var maxCoordinateError = 0.0
    var normError = 0.0
    var worstIndex = -1
    var worstNumerical = 0.0
    var worstAnalytic = 0.0

    var description: String {
        let f = { (x: Double) in String(format: "%.3e", x) }
        return "\(name) [\(precision.label)]: \(checked) coords, max coord err \(f(maxCoordinateError)), "
            + "norm err \(f(normError)), worst [\(worstIndex)] numerical \(f(worstNumerical)) analytic \(f(worstAnalytic))"
    }
}
