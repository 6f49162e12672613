import Foundation
import Testing
@testable import SpikeAnalysis
import SpikeKernels
import SpikeModel

private func randomVector(_ count: Int, seed: UInt64, std: Double) -> FloatBuffer {
    let b = FloatBuffer(count: count)
    var rng = RandomGenerator(seed: seed)
    rng.fillNormal(b.pointer, count: count, std: std)
    return b
}

@Suite struct ParameterDistanceTests {
    @Test func matrixMatchesNaiveComputation() {
        // Not a multiple of the 65536-element block, so the last block is partial.
        let count = 150_001
        let vectors = (0..<4).map { randomVector(count, seed: UInt64($0 + 1), std: 0.02 * Double($0 + 1)) }
        let m = ParameterDistances.matrix(vectors)
        #expect(m.count == 4 && m.allSatisfy { $0.count == 4 })
        for i in 0..<4 {
            #expect(m[i][i] == 0)
            for j in 0..<4 {
                #expect(m[i][j] == m[j][i])
                var naive = 0.0
                for k in 0..<count { let d = Double(vectors[i][k]) - Double(vectors[j][k]); naive += d * d }
                naive = naive.squareRoot()
                #expect(abs(m[i][j] - naive) <= 1e-12 * max(1, naive), "(\(i), \(j))")
                if i != j {
                    #expect(m[i][j] > 0)
                    // Same summation order as the single-pair function: bitwise equal.
                    #expect(m[i][j] == ParameterDistances.distance(vectors[i], vectors[j]))
                }
            }
        }
        #expect(ParameterDistances.matrix([]).isEmpty)
        #expect(ParameterDistances.matrix([vectors[0]]) == [[0]])
    }

    @Test func knownDistance() {
        let a = FloatBuffer([0, 0, 0, 0, 0]), b = FloatBuffer([3, 4, 0, 0, 12])
        #expect(ParameterDistances.distance(a, b) == 13)
        #expect(ParameterDistances.distance(b, b) == 0)
    }

    @Test func checkpointSetMatrix() throws {
        let config = ModelConfig(vocabSize: 16, dModel: 16, nLayers: 1, nHeads: 2, contextLength: 8)
        let layout = ParameterLayout(config)
        let vectors = [300: randomVector(layout.count, seed: 3, std: 0.1), 100: randomVector(layout.count, seed: 1, std: 0.1),
                       200: randomVector(layout.count, seed: 2, std: 0.1)]
        let set = try CheckpointSet(layout: layout, parameters: vectors)
        let d = try ParameterDistances.matrix(set)
        #expect(d.steps == [100, 200, 300])
        #expect(d.distance(100, 300) == ParameterDistances.distance(vectors[100]!, vectors[300]!))
        #expect(d.distance(300, 100) == d.distance(100, 300) && d.distance(200, 200) == 0 && d.distance(1, 2) == nil)
        #expect(try ParameterDistances.matrix(set, steps: [300, 200]).steps == [200, 300])
        #expect(try JSONDecoder().decode(DistanceMatrix.self, from: JSONEncoder().encode(d)) == d)
        #expect(throws: EvaluationError.self) { try ParameterDistances.matrix(set, steps: [100, 400]) }
    }
}
