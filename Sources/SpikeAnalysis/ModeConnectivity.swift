import Foundation
import SpikeKernels
import SpikeModel

/// Settings of a linear-mode-connectivity analysis; stored in every result so figures can state
/// the grid and the tolerance.
public struct LMCSettings: Codable, Sendable, Equatable {
    /// Interpolation coefficients, ascending in [0, 1]. Default: the paper's {0, 1/9, ..., 8/9, 1}.
    public var alphas: [Double]
    /// Eq. (1) is taken to hold at alpha when L(theta(alpha)) <= (1-alpha) L_A + alpha L_B + tolerance
    /// (nats).
    public var tolerance: Double

    public init(alphas: [Double] = LMCSettings.paperGrid, tolerance: Double = 1e-3) {
        self.alphas = alphas
        self.tolerance = tolerance
    }

    /// {0, 1/9, 2/9, ..., 8/9, 1}.
    public static let paperGrid: [Double] = (0...9).map { Double($0) / 9 }

    /// The interior alphas (0 < alpha < 1) in the order an edge test evaluates them: nearest to 1/2
    /// first (1/2 itself when on the grid), then outwards; ties take the smaller alpha first.
    public var evaluationOrder: [Double] {
        // Distances rounded to 1e-9 so that mirror-image grid points (4/9 and 5/9) tie exactly.
        func key(_ a: Double) -> (Double, Double) { ((abs(a - 0.5) * 1e9).rounded(), a) }
        return alphas.filter { $0 > 0 && $0 < 1 }.sorted { key($0) < key($1) }
    }

    /// Eq. (1) with the tolerance, for metadata.
    public var criterion: String {
        "L((1-a) A + a B) <= (1-a) L(A) + a L(B) + \(tolerance) nats for every a in {\(alphas.map { "\($0)" }.joined(separator: ", "))}"
    }

    func validate() throws {
        guard !alphas.isEmpty, alphas.allSatisfy({ $0 >= 0 && $0 <= 1 }), zip(alphas, alphas.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw EvaluationError("LMC alphas must be strictly ascending values in [0, 1] (got \(alphas))")
        }
        guard tolerance >= 0, tolerance.isFinite else { throw EvaluationError("LMC tolerance must be >= 0 (got \(tolerance))") }
    }
}

/// The loss along one segment theta(alpha) = (1-alpha) theta_A + alpha theta_B.
public struct LMCSegment: Codable, Sendable, Equatable {
    public var stepA: Int
    public var stepB: Int
    public var lossA: Double
    public var lossB: Double
    public var alphas: [Double]
    /// L(theta(alpha)) per alpha; nil where an edge-only test stopped before evaluating it.
    /// alpha = 0 and 1 hold lossA and lossB (the interpolation reproduces the endpoints exactly).
    public var losses: [Double?]
    /// max over alpha of L(theta(alpha)) - ((1-alpha) L_A + alpha L_B) (>= 0 when the grid holds 0
    /// or 1); nil unless every alpha was evaluated.
    public var barrier: Double?
    /// Whether eq. (1) (with the tolerance) holds at every alpha of the grid.
    public var connected: Bool
    /// The first alpha, in evaluation order, where eq. (1) failed.
    public var firstViolation: Double?
    /// Interior alphas evaluated (model evaluations spent on this segment, endpoints excluded).
    public var evaluations: Int
}

/// An undirected edge of the LMC graph, by checkpoint step (a < b).
public struct LMCEdge: Codable, Sendable, Equatable, Hashable {
    public var a: Int
    public var b: Int
    public init(a: Int, b: Int) { self.a = a; self.b = b }
}

/// LMC between every pair of a set of checkpoints: nodes with their losses, an edge where eq. (1)
/// holds on the whole grid.
public struct LMCGraph: Codable, Sendable, Equatable {
    public var settings: LMCSettings
    /// Interior alphas in the order they were evaluated.
    public var evaluationOrder: [Double]
    /// True when each pair stopped at its first violation (then `barrier` is nil for those pairs).
    public var stopsAtFirstViolation: Bool
    public var steps: [Int]
    /// Loss of each checkpoint (same order as `steps`), computed once.
    public var nodeLosses: [Double]
    /// Every pair i < j, row by row.
    public var pairs: [LMCSegment]
    public var edges: [LMCEdge]

    public func isConnected(_ a: Int, _ b: Int) -> Bool { edges.contains(LMCEdge(a: min(a, b), b: max(a, b))) }
}

/// Evaluates losses along straight lines between parameter vectors. The interpolation is written
/// into the model's own `parameters` buffer (one buffer, nothing else allocated per point), so
/// the model's weights are left at the last evaluated point: callers reload them when needed.
public struct ModeConnectivity {
    public let model: LlamaModel
    public let evaluation: EvaluationBatches
    public var settings: LMCSettings

    public init(model: LlamaModel, evaluation: EvaluationBatches, settings: LMCSettings = LMCSettings()) throws {
        try settings.validate()
        self.model = model
        self.evaluation = evaluation
        self.settings = settings
    }

    /// theta(alpha) written into `out`, for alpha in [0, 1]:
    /// alpha <= 1/2: a + alpha (b - a); alpha > 1/2: b + (1 - alpha)(a - b); alpha = 0 and 1 copy a
    /// and b. Algebraically (1-alpha) a + alpha b, and exact where it matters: the endpoints are
    /// reproduced bitwise and identical endpoints give theta(alpha) = a at every alpha.
    public static func interpolate(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, alpha: Double,
                                   into out: UnsafeMutablePointer<Float>, count: Int) {
        if alpha == 0 { out.update(from: a, count: count); return }
        if alpha == 1 { out.update(from: b, count: count); return }
        let (base, other, t) = alpha <= 0.5 ? (a, b, Float(alpha)) : (b, a, Float(1 - alpha))
        parallelRanges(count, minChunk: 1 << 16) { start, end in
            let x = base + start, y = other + start, o = out + start
            for i in 0..<(end - start) { o[i] = x[i] + t * (y[i] - x[i]) }
        }
    }

    /// The linear reference (1-alpha) L_A + alpha L_B, computed like `interpolate` so that it is
    /// exactly L_A at 0, L_B at 1, and L_A everywhere when L_A = L_B.
    public static func linearReference(_ lossA: Double, _ lossB: Double, alpha: Double) -> Double {
        alpha <= 0.5 ? lossA + alpha * (lossB - lossA) : lossB + (1 - alpha) * (lossA - lossB)
    }

    /// Writes theta(alpha) into the model's parameters.
    public func setInterpolation(_ a: FloatBuffer, _ b: FloatBuffer, alpha: Double) throws {
        try checkCount(a); try checkCount(b)
        ModeConnectivity.interpolate(a.pointer, b.pointer, alpha: alpha, into: model.parameters.pointer, count: model.parameters.count)
    }

    /// Mean evaluation loss at `theta` (copied into the model's parameters).
    public func loss(at theta: FloatBuffer) throws -> Double {
        try checkCount(theta)
        model.parameters.copy(from: theta)
        return try evaluation.meanLoss(model: model)
    }

    /// Mean evaluation loss at theta(alpha), evaluated for every given alpha (endpoints included,
    /// nothing reused).
    public func losses(from a: FloatBuffer, to b: FloatBuffer, alphas: [Double]) throws -> [Double] {
        try alphas.map { alpha in
            try setInterpolation(a, b, alpha: alpha)
            return try evaluation.meanLoss(model: model)
        }
    }

    /// The segment between `a` and `b` on the settings' grid. Endpoint losses are computed unless
    /// given (pass them when they are known, e.g. from `loss(at:)`). With `stopAtFirstViolation`
    /// the interior alphas are tried in `settings.evaluationOrder` and the scan stops at the first
    /// violation of eq. (1): enough for the yes/no edge, but then the barrier is unknown (nil);
    /// without it every alpha is evaluated and the barrier is reported.
    public func segment(_ a: FloatBuffer, _ b: FloatBuffer, stepA: Int = 0, stepB: Int = 1,
                        endpointLosses: (Double, Double)? = nil, stopAtFirstViolation: Bool = false) throws -> LMCSegment {
        let (lossA, lossB) = try endpointLosses ?? (loss(at: a), loss(at: b))
        let alphas = settings.alphas
        var losses = [Double?](repeating: nil, count: alphas.count)
        for (i, alpha) in alphas.enumerated() {
            if alpha == 0 { losses[i] = lossA } else if alpha == 1 { losses[i] = lossB }
        }
        var connected = true, firstViolation: Double?, evaluations = 0
        for alpha in settings.evaluationOrder {
            try setInterpolation(a, b, alpha: alpha)
            let l = try evaluation.meanLoss(model: model)
            evaluations += 1
            losses[alphas.firstIndex(of: alpha)!] = l
            // Written so that a NaN loss is a violation.
            if !(l <= ModeConnectivity.linearReference(lossA, lossB, alpha: alpha) + settings.tolerance) {
                if connected { firstViolation = alpha }
                connected = false
                if stopAtFirstViolation { break }
            }
        }
        // Endpoints on the grid satisfy eq. (1) by construction (excess exactly 0).
        var barrier: Double?
        if losses.allSatisfy({ $0 != nil }) {
            barrier = zip(alphas, losses).map { alpha, l in
                let excess = l! - ModeConnectivity.linearReference(lossA, lossB, alpha: alpha)
                return excess.isNaN ? Double.infinity : excess
            }.max()!
        }
        return LMCSegment(stepA: stepA, stepB: stepB, lossA: lossA, lossB: lossB, alphas: alphas, losses: losses,
                          barrier: barrier, connected: connected, firstViolation: firstViolation, evaluations: evaluations)
    }

    /// The segment between two checkpoints of `checkpoints`, every alpha evaluated (Fig. 11).
    public func segment(_ checkpoints: CheckpointSet, stepA: Int, stepB: Int) throws -> LMCSegment {
        try segment(checkpoints.vector(stepA), checkpoints.vector(stepB), stepA: stepA, stepB: stepB)
    }

    /// The LMC graph over `steps` (default: all) of `checkpoints` (Figs. 12-15). Each checkpoint's
    /// loss is computed once; each pair then evaluates the interior alphas in
    /// `settings.evaluationOrder`. With `barriers == false` a pair stops at its first violation (only
    /// the edge is needed; its `barrier` is then nil when it stopped early); with `barriers == true`
    /// every alpha of every pair is evaluated. `progress` is called after each pair.
    public func graph(_ checkpoints: CheckpointSet, steps: [Int]? = nil, barriers: Bool = false,
                      progress: ((LMCSegment) -> Void)? = nil) throws -> LMCGraph {
        let steps = (steps ?? checkpoints.steps).sorted()
        let vectors = try steps.map { try checkpoints.vector($0) }
        let nodeLosses = try vectors.map { try loss(at: $0) }
        var pairs: [LMCSegment] = [], edges: [LMCEdge] = []
        for i in 0..<steps.count {
            for j in (i + 1)..<steps.count {
                let s = try segment(vectors[i], vectors[j], stepA: steps[i], stepB: steps[j],
                                    endpointLosses: (nodeLosses[i], nodeLosses[j]), stopAtFirstViolation: !barriers)
                pairs.append(s)
                if s.connected { edges.append(LMCEdge(a: steps[i], b: steps[j])) }
                progress?(s)
            }
        }
        return LMCGraph(settings: settings, evaluationOrder: settings.evaluationOrder, stopsAtFirstViolation: !barriers,
                        steps: steps, nodeLosses: nodeLosses, pairs: pairs, edges: edges)
    }

    private func checkCount(_ v: FloatBuffer) throws {
        guard v.count == model.parameters.count else {
            throw EvaluationError("parameter vector of \(v.count) floats for a model of \(model.parameters.count)")
        }
    }
}
