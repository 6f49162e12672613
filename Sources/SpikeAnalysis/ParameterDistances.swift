import Foundation
import SpikeKernels

/// Euclidean distances between flat parameter vectors (Figs. 16-19 of lmc).
public struct DistanceMatrix: Codable, Sendable, Equatable {
    /// Checkpoint steps, in row order.
    public var steps: [Int]
    /// distances[i][j] = ||theta_i - theta_j||_2: symmetric, zero diagonal.
    public var distances: [[Double]]

    public init(steps: [Int], distances: [[Double]]) {
        self.steps = steps
        self.distances = distances
    }

    public func distance(_ stepA: Int, _ stepB: Int) -> Double? {
        guard let i = steps.firstIndex(of: stepA), let j = steps.firstIndex(of: stepB) else { return nil }
        return distances[i][j]
    }
}

public enum ParameterDistances {
    /// Elements per block of the fixed summation order.
    static let block = 1 << 16

    /// Sum of (a[i] - b[i])^2 over `range`, differences and squares in Double, four accumulators.
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ range: Range<Int>) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = range.lowerBound
        while i + 4 <= range.upperBound {
            let d0 = Double(a[i]) - Double(b[i]), d1 = Double(a[i + 1]) - Double(b[i + 1])
            let d2 = Double(a[i + 2]) - Double(b[i + 2]), d3 = Double(a[i + 3]) - Double(b[i + 3])
            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
            i += 4
        }
        while i < range.upperBound { let d = Double(a[i]) - Double(b[i]); s0 += d * d; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// Blocks of `block` elements summed one after another: the same order on one thread or many.
    static func blocks(_ count: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: block).map { $0..<min(count, $0 + block) }
    }

    /// ||a - b||_2, accumulated in Double over fixed blocks (parallel over blocks, partial sums
    /// added in block order): deterministic and independent of the worker count.
    public static func distance(_ a: FloatBuffer, _ b: FloatBuffer) -> Double {
        precondition(a.count == b.count, "vectors of \(a.count) and \(b.count) floats")
        let ranges = blocks(a.count)
        var partial = [Double](repeating: 0, count: ranges.count)
        partial.withUnsafeMutableBufferPointer { out in
            parallelFor(ranges.count) { k in out[k] = squaredDistance(a.pointer, b.pointer, ranges[k]) }
        }
        return partial.reduce(0, +).squareRoot()
    }

    /// The matrix of pairwise distances (parallel over pairs; each entry computed as `distance`
    /// would, so it equals `distance(vectors[i], vectors[j])` bitwise). Symmetric, zero diagonal.
    public static func matrix(_ vectors: [FloatBuffer]) -> [[Double]] {
        let n = vectors.count
        guard n > 0 else { return [] }
        let count = vectors[0].count
        precondition(vectors.allSatisfy { $0.count == count }, "parameter vectors of different lengths")
        let ranges = blocks(count)
        var pairs: [(Int, Int)] = []
        for i in 0..<n { for j in (i + 1)..<n { pairs.append((i, j)) } }
        var values = [Double](repeating: 0, count: pairs.count)
        values.withUnsafeMutableBufferPointer { out in
            parallelFor(pairs.count) { p in
                let (i, j) = pairs[p]
                var total = 0.0
                for r in ranges { total += squaredDistance(vectors[i].pointer, vectors[j].pointer, r) }
                out[p] = total.squareRoot()
            }
        }
        var m = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for (p, (i, j)) in pairs.enumerated() { m[i][j] = values[p]; m[j][i] = values[p] }
        return m
    }

    /// The distance matrix of every checkpoint of `checkpoints` (or of `steps`, in ascending order).
    public static func matrix(_ checkpoints: CheckpointSet, steps: [Int]? = nil) throws -> DistanceMatrix {
        let steps = (steps ?? checkpoints.steps).sorted()
        return DistanceMatrix(steps: steps, distances: matrix(try steps.map { try checkpoints.vector($0) }))
    }
}
