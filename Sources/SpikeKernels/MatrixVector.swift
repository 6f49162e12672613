import CBLAS

extension Blas {
    /// Row-major y[m] = A[m x n] x (or y[n] = A^T x when `transpose`). Single-threaded.
    public static func gemv(transpose: Bool, m: Int, n: Int, a: UnsafePointer<Float>, x: UnsafePointer<Float>,
                            y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), 1, a, Int32(n), x, 1, 0, y, 1)
    }

    /// The singular values of the row-major matrix A[m x n], largest first (LAPACK sgesvd from
    /// OpenBLAS). A reference for the power-iteration estimates, not a hot path.
    public static func singularValues(_ a: UnsafePointer<Float>, m: Int, n: Int) -> [Float] {
        // Row-major A is column-major A^T (n x m), which has the same singular values.
        var copy = Array(UnsafeBufferPointer(start: a, count: m * n))
        var rows = Int32(n), cols = Int32(m), lda = Int32(n), one: Int32 = 1, info: Int32 = 0
        var values = [Float](repeating: 0, count: min(m, n))
        var unusedU: Float = 0, unusedVT: Float = 0
        var query: Float = 0, lwork: Int32 = -1
        let job = Int8(UInt8(ascii: "N"))
        var jobU = job, jobVT = job
        sgesvd_(&jobU, &jobVT, &rows, &cols, &copy, &lda, &values, &unusedU, &one, &unusedVT, &one, &query, &lwork, &info)
        lwork = Int32(query)
        var work = [Float](repeating: 0, count: Int(lwork))
        sgesvd_(&jobU, &jobVT, &rows, &cols, &copy, &lda, &values, &unusedU, &one, &unusedVT, &one, &work, &lwork, &info)
        precondition(info == 0, "sgesvd failed with info \(info)")
        return values
    }
}
