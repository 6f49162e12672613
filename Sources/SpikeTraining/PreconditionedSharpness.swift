import Foundation
import SpikeKernels
import SpikeModel

/// When and how hard to estimate the preconditioned sharpness (the run config's `sharpness`).
public struct SharpnessSchedule: Codable, Equatable, Hashable, Sendable {
    /// Every `every` updates (and at the last).
    public var every: Int
    /// Power iterations per estimate; each costs two forward and backward passes of one batch.
    public var iterations: Int
    public static let defaultIterations = 20

    public init(every: Int, iterations: Int = SharpnessSchedule.defaultIterations) {
        self.every = every; self.iterations = iterations
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(["every", "iterations"])
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(every: try decoder.field("every"),
                  iterations: try c.decodeIfPresent(Int.self, forKey: .iterations) ?? Self.defaultIterations)
    }

    public var schedule: ObserverSchedule { ObserverSchedule(every: every) }
}

/// The largest eigenvalue of Adam's preconditioned Hessian P⁻¹H, P = diag(sqrt(v̂) + eps), of the
/// loss (cross-entropy + z-loss) on one fixed batch. Adam is stable on a quadratic while it is
/// below (2 + 2β1) / ((1 − β1) · lr), 38 / lr at β1 = 0.9 (Cohen et al. 2022, "adaptive edge of
/// stability"); 2 / lr is the threshold without momentum. Bai et al. 2025 tie loss spikes to
/// crossing it.
///
/// Method: power iteration on S = D H D with D = P^(-1/2) (symmetric, with P⁻¹H's eigenvalues),
/// started from a normal vector drawn from `seed`. Each Hessian-vector product is a central
/// difference of gradients, H w ≈ (∇L(θ + h w) − ∇L(θ − h w)) / 2h, with h chosen so that
/// ‖h w‖ = `relativeStep` · ‖θ‖. The estimate is the Rayleigh quotient of the last iterate; the
/// change from the previous one says how far it has converged. Non-trainable tensors get D = 0.
/// Sums are in Double in index order, so the estimate does not depend on threads.
public enum PreconditionedSharpness {
    public static let relativeStep = 1e-3

    public struct Estimate: Equatable, Sendable {
        public var lambdaMax: Double
        /// |λ_k − λ_{k−1}| / |λ_k| of the last iteration (0 after one iteration).
        public var relativeChange: Double
    }

    /// The parameters and gradients of `model` are left exactly as they were (copied back), and
    /// so are its effective weights; its activations are overwritten, as by any forward pass.
    /// `secondMoment` gives v of every trainable tensor by name (AdamW's `v.<tensor>`);
    /// `biasCorrection2` is 1 − β2^t.
    public static func estimate(model: LlamaModel, batch: (inputs: [Int32], targets: [Int32]), batchSize: Int,
                                secondMoment: [String: UnsafeMutableBufferPointer<Float>], biasCorrection2: Double,
                                eps: Double, iterations: Int, seed: UInt64) throws -> Estimate {
        let layout = model.layout, n = layout.count, length = model.config.contextLength
        let theta = model.parameters.pointer, grad = model.gradients.pointer
        let savedParameters = model.parameters.array, savedGradients = model.gradients.array
        defer {
            savedParameters.withUnsafeBufferPointer { theta.update(from: $0.baseAddress!, count: n) }
            savedGradients.withUnsafeBufferPointer { grad.update(from: $0.baseAddress!, count: n) }
            model.materializeWeights()
        }
        var d = [Double](repeating: 0, count: n)
        for spec in layout.specs where spec.trainable {
            guard let v = secondMoment["v." + spec.name], v.count == spec.count else {
                throw TrainingError.invalidConfig("sharpness needs the optimiser's second moment v.\(spec.name) (AdamW)")
            }
            for i in 0..<spec.count {
                d[spec.offset + i] = 1 / ((Double(v[i]) / biasCorrection2).squareRoot() + eps).squareRoot()
            }
        }
        let thetaNorm = savedParameters.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        var rng = RandomGenerator.stream(seed: seed, name: "sharpness")
        var u = (0..<n).map { d[$0] == 0 ? 0 : rng.normal() }
        normalize(&u)

        // ∇L at θ + s·w into `into` (Double).
        func gradient(along w: [Double], scale s: Double, into out: inout [Double]) throws {
            for i in 0..<n { theta[i] = Float(Double(savedParameters[i]) + s * w[i]) }
            _ = try model.forward(inputs: batch.inputs, targets: batch.targets, batch: batchSize, length: length)
            model.backward()
            for i in 0..<n { out[i] = Double(grad[i]) }
        }
        var lambda = 0.0, previous = 0.0
        var plus = [Double](repeating: 0, count: n), minus = plus
        for iteration in 1...iterations {
            let w = (0..<n).map { d[$0] * u[$0] }
            let h = relativeStep * max(thetaNorm, 1) / max(norm(w), .leastNormalMagnitude)
            try gradient(along: w, scale: h, into: &plus)
            try gradient(along: w, scale: -h, into: &minus)
            var s = (0..<n).map { d[$0] * (plus[$0] - minus[$0]) / (2 * h) }
            previous = lambda
            lambda = zip(u, s).reduce(0.0) { $0 + $1.0 * $1.1 }
            if iteration == iterations { break }
            normalize(&s)
            u = s
        }
        let change = iterations > 1 && lambda != 0 ? abs(lambda - previous) / abs(lambda) : 0
        return Estimate(lambdaMax: lambda, relativeChange: change)
    }

    /// The thresholds P⁻¹H is compared with at learning rate `lr`: 2 / lr and (2 + 2β1) / ((1 − β1) lr).
    public static func thresholds(lr: Double, beta1: Double) -> (plain: Double, momentum: Double) {
        (2 / lr, (2 + 2 * beta1) / ((1 - beta1) * lr))
    }

    static func norm(_ x: [Double]) -> Double { x.reduce(0.0) { $0 + $1 * $1 }.squareRoot() }
    static func normalize(_ x: inout [Double]) {
        let length = norm(x)
        if length > 0 { for i in x.indices { x[i] /= length } }
    }
}
