import Foundation
import Testing
@testable import SpikeKernels

@Suite struct KernelTests {
    @Test func vectorisedExpIsAccurateTo1e7Relative() {
        var worst = 0.0
        for i in 0..<40000 {
            let x = Float(i) * 0.004375 - 87   // -87 ... 88
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(VectorMath.exp(x)) - exact) / exact)
        }
        #expect(worst < 1e-7, "worst relative error \(worst)")
        #expect(VectorMath.exp(0) == 1)
        #expect(VectorMath.exp(-.infinity) < 1e-37)
        #expect(VectorMath.exp(.nan).isNaN)
        #expect(VectorMath.exp(.infinity) > 1e38)
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
        let long: [Float] = (0..<1000).map { Float($0 % 37) * 0.1 }
        let tiled = long.withUnsafeBufferPointer { VectorMath.sumExpShifted($0.baseAddress!, count: long.count, shift: 2) }
        let exact = long.map { Foundation.exp(Double($0) - 2) }.reduce(0, +)
        #expect(abs(Double(tiled) - exact) / exact < 1e-6)
    }

    /// The row split of a product depends on its shape only, so its floats do not depend on the
    /// number of workers (OpenBLAS may round a row differently depending on where in a call it falls).
    @Test(arguments: [(67, 45, 33), (300, 64, 128), (1030, 96, 40)])
    func parallelGemmDoesNotDependOnTheWorkerCount(_ shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var rng = RandomGenerator(seed: 9)
        let a = FloatBuffer(count: m * k), b = FloatBuffer(count: n * k)
        rng.fillNormal(a.pointer, count: a.count, std: 1)
        rng.fillNormal(b.pointer, count: b.count, std: 1)
        let saved = Parallelism.workers
        defer { Parallelism.workers = saved }
        let products: [[Float]] = [1, 2, 3, 8].map { workers in
            Parallelism.workers = workers
            let c = FloatBuffer(count: m * n)
            Blas.parallelGemm(transA: false, transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: c.pointer, ldc: n)
            return c.array
        }
        for p in products.dropFirst() { #expect(p == products[0]) }
        // Against a naive product in Double: each entry is a k-term fp32 dot product of N(0, 1)
        // values, whose rounding error is at most about k * 2^-24 * sum |a_t b_t| (< 1e-4 here).
        var worst = 0.0
        for i in 0..<m { for j in 0..<n {
            var s = 0.0, magnitude = 0.0
            for t in 0..<k { s += Double(a[i * k + t]) * Double(b[j * k + t]); magnitude += abs(Double(a[i * k + t]) * Double(b[j * k + t])) }
            worst = max(worst, abs(s - Double(products[0][i * n + j])) / (Double(k) * 0x1p-24 * magnitude))
        } }
        #expect(worst <= 1, "rounding error \(worst) x the bound")
    }

    @Test func numericsModeComesFromTheEnvironment() throws {
        #expect(try Numerics.mode(environment: [:]) == .portable)
        #expect(try Numerics.mode(environment: ["SPIKELAB_NUMERICS": "native"]) == .native)
        #expect { try Numerics.mode(environment: ["SPIKELAB_NUMERICS": "fast"]) } throws: { "\($0)".contains("SPIKELAB_NUMERICS=fast") }
        #expect(Numerics.fingerprint.swiftTarget == "haswell")
        #expect(Blas.version.hasPrefix("OpenBLAS "))
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

@Suite struct BlasKernelChoiceTests {
    @Test func legacyKernelsAreUpgradedOnlyWhenTheCPUCanRunBetterOnes() {
        let avx512: Set<String> = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd", "avx2", "fma"]
        #expect(Blas.betterCoreType(loaded: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(Blas.betterCoreType(loaded: "Prescott", cpuFlags: ["avx2", "fma"]) == "Haswell")
        #expect(Blas.betterCoreType(loaded: "Prescott", cpuFlags: ["sse3"]) == nil)
        #expect(Blas.betterCoreType(loaded: "SkylakeX", cpuFlags: avx512) == nil)
        #expect(Blas.betterCoreType(loaded: "Zen", cpuFlags: ["avx2", "fma"]) == nil)
    }

    /// The stamps of published results name the CPU with its family and model ("model" is a
    /// number, not the "model name" line that precedes it in /proc/cpuinfo).
    @Test func theCPUIsDescribedWithItsFamilyAndModel() throws {
        guard let name = Blas.cpuInfo("model name") else { return }   // no /proc/cpuinfo
        let family = try #require(Blas.cpuInfo("cpu family")), model = try #require(Blas.cpuInfo("model"))
        #expect(Int(family) != nil && Int(model) != nil)
        #expect(Blas.cpuDescription() == "\(name) (family \(family), model \(model))")
    }
}

@Suite struct FloatingPointModeTests {
    @Test func workersFlushSubnormalsToZero() {
        let tiny = [Float](repeating: Float.leastNormalMagnitude, count: 64)
        var out = [Float](repeating: 1, count: 64)
        out.withUnsafeMutableBufferPointer { o in
            tiny.withUnsafeBufferPointer { t in
                parallelRanges(64, minChunk: 1) { a, b in
                    for i in a..<b { o[i] = t[i] * 0.25 }   // a subnormal result without flush-to-zero
                }
            }
        }
        #expect(out.allSatisfy { $0 == 0 })
    }
}
