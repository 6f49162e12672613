import CBLAS

/// Matrix products on OpenBLAS. OpenBLAS runs single-threaded (set once by `Blas.configure()`) and
/// the kernels split the rows of C across workers themselves: this keeps a small per-head product
/// on one core while large products use all cores, and the split points depend on the shape only.
public enum Blas {
    nonisolated(unsafe) private static var configured = false

    /// Puts OpenBLAS in single-threaded mode; parallelism comes from `parallelRanges`.
    public static func configure() {
        if configured { return }
        openblas_set_num_threads(1)
        configured = true
    }

    /// Row-major C[m x n] = alpha * op(A) op(B) + beta * C, with op(A) m x k and op(B) k x n.
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored. Single-threaded.
    @inline(__always)
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The same product with the m rows of C split across workers.
    public static func parallelGemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        configure()
        // Rows of C are rows of A (or columns of A when transposed), in pieces of whole 16-row
        // blocks (the BLAS micro-kernels stay efficient) and at least 32 rows. The pieces depend on
        // the shape only, never on the worker count: OpenBLAS may round a row differently
        // depending on where in a call it falls, so a split by workers would change the floats.
        let blocks = (m + 15) / 16
        let pieces = min(rowPieces, max(1, blocks / 2))
        parallelFor(pieces) { piece in
            let r0 = min(m, blocks * piece / pieces * 16), r1 = min(m, blocks * (piece + 1) / pieces * 16)
            guard r0 < r1 else { return }
            gemm(transA: transA, transB: transB, m: r1 - r0, n: n, k: k, alpha: alpha,
                 a: transA ? a + r0 : a + r0 * lda, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c + r0 * ldc, ldc: ldc)
        }
    }

    /// The number of row pieces a large product is split into (and so the most workers it uses).
    public static let rowPieces = 4

    /// Peak single-precision GEMM throughput of this machine (GFLOP/s) on an n x n x n product,
    /// measured with all workers. Used by the benchmark to report % of peak.
    public static func measurePeakGflops(n: Int = 2048, repeats: Int = 5) -> Double {
        configure()
        let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)
        var rng = RandomGenerator(seed: 1)
        rng.fillNormal(a.pointer, count: n * n, std: 1)
        rng.fillNormal(b.pointer, count: n * n, std: 1)
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = Clock.now()
            parallelGemm(transA: false, transB: false, m: n, n: n, k: n, a: a.pointer, lda: n,
                         b: b.pointer, ldb: n, c: c.pointer, ldc: n)
            best = min(best, Clock.now() - t0)
        }
        return 2.0 * Double(n) * Double(n) * Double(n) / best / 1e9
    }
}
