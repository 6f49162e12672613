import Foundation
import Testing
@testable import SpikeKernels

@Suite struct KernelTests {
    @Test func vectorExpMatchesLibmTo2e7Relative() {
        var rng = RandomGenerator(seed: 5)
        var worst = 0.0
        for _ in 0..<20000 {
            let x = Float(rng.uniform() * 188.7 - 100)
            let ours = Double(VectorMath.exp(x)), exact = Foundation.exp(Double(x))
            if exact > 1e-37 { worst = max(worst, abs(ours - exact) / exact) }
        }
        #expect(worst < 2e-7, "worst relative error \(worst)")
        #expect(VectorMath.exp(-Float.infinity) == 0)
        #expect(VectorMath.exp(Float(100)) == .infinity)
        #expect(VectorMath.exp(Float(0)) == 1)
    }

    @Test func expShiftedStoresAndSums() {
        let x: [Float] = (0..<21).map { Float($0) * 0.37 - 3 }
        var y = [Float](repeating: 0, count: x.count)
        let s = x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { VectorMath.expShifted(xp.baseAddress!, $0.baseAddress!, count: x.count, shift: 1.5) }
        }
        let expected = x.map { Foundation.exp(Double($0) - 1.5) }
        #expect(abs(Double(s) - expected.reduce(0, +)) / expected.reduce(0, +) < 1e-6)
        for i in 0..<x.count { #expect(abs(Double(y[i]) - expected[i]) / expected[i] < 3e-7) }
        #expect(x.withUnsafeBufferPointer { VectorMath.max($0.baseAddress!, count: x.count) } == x.max()!)
    }

    @Test func parallelGemmEqualsSingleThreadedGemm() {
        var rng = RandomGenerator(seed: 9)
        let m = 67, n = 45, k = 33
        let a = FloatBuffer(count: m * k), b = FloatBuffer(count: n * k)
        rng.fillNormal(a.pointer, count: a.count, std: 1)
        rng.fillNormal(b.pointer, count: b.count, std: 1)
        let c1 = FloatBuffer(count: m * n), c2 = FloatBuffer(count: m * n)
        Blas.gemm(transA: false, transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: c1.pointer, ldc: n)
        Blas.parallelGemm(transA: false, transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: c2.pointer, ldc: n)
        #expect(c1.array == c2.array)
        // Against a naive product.
        var worst: Float = 0
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for t in 0..<k { s += a[i * k + t] * b[j * k + t] }
            worst = max(worst, abs(s - c1[i * n + j]))
        } }
        #expect(worst < 1e-4)
    }

    @Test func safetensorsRoundTripAndRejectsTruncation() throws {
        var file = SafetensorsFile()
        file.add("a.weight", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        file.add("tokens", shape: [3], ints: [7, 8, 9])
        file.metadata = ["step": "5"]
        let bytes = file.serialized()
        #expect(bytes.count % 4 == 0)
        let back = try SafetensorsFile(data: bytes)
        #expect(try back.floats("a.weight") == [1, 2, 3, 4, 5, 6])
        #expect(try back.ints("tokens") == [7, 8, 9])
        #expect(back.metadata["step"] == "5")
        #expect(back.serialized() == bytes)
        #expect(throws: KernelError.self) { try SafetensorsFile(data: bytes.prefix(bytes.count - 4)) }
        #expect(throws: KernelError.self) { try SafetensorsFile(data: Data([1, 2, 3])) }
        var wrongShape = [Float](repeating: 0, count: 6)
        #expect(throws: KernelError.self) {
            try wrongShape.withUnsafeMutableBufferPointer { try back.read("a.weight", shape: [3, 2], into: $0.baseAddress!) }
        }
    }

    @Test func randomStreamsAreReproducible() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
        var c = RandomGenerator.stream(seed: 1, name: "x"), d = RandomGenerator.stream(seed: 1, name: "y")
        #expect(c.next() != d.next())
        var n = RandomGenerator(seed: 3)
        let samples = (0..<20000).map { _ in n.normal() }
        let mean = samples.reduce(0, +) / 20000, variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20000
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    }
}
