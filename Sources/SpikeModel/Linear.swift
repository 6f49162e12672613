import SpikeKernels

/// A bias-free linear map y = x W^T with W stored [out, in] (PyTorch / Hugging Face layout).
enum Linear {
    /// y[rows x out] = x[rows x in] W^T.
    static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                        rows: Int, inFeatures: Int, outFeatures: Int) {
        Blas.parallelGemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures,
                          a: x, lda: inFeatures, b: w, ldb: inFeatures, c: y, ldc: outFeatures)
    }

    /// dW = dy^T x and dx = dy W, each overwritten (a gradient buffer needs no zeroing first), or
    /// accumulated when `accumulateWeight` / `accumulateInput`.
    static func backward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                         dw: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         rows: Int, inFeatures: Int, outFeatures: Int,
                         accumulateWeight: Bool = false, accumulateInput: Bool = false) {
        Blas.parallelGemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows,
                          a: dy, lda: outFeatures, b: x, ldb: inFeatures, beta: accumulateWeight ? 1 : 0, c: dw, ldc: inFeatures)
        if let dx {
            Blas.parallelGemm(transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures,
                              a: dy, lda: outFeatures, b: w, ldb: inFeatures,
                              beta: accumulateInput ? 1 : 0, c: dx, ldc: inFeatures)
        }
    }
}
