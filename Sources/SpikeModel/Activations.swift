import SpikeKernels

/// Every tensor the backward pass needs from the forward pass, plus backward scratch, sized for
/// `batch` sequences of up to `length` tokens. Allocated once and reused every step (as in llm.c).
final class Activations {
    let batch: Int, length: Int
    let residual: [FloatBuffer]      // nLayers + 1 streams [BT, d]: input of block l, last = final
    let attentionRstd: [FloatBuffer], attentionInput: [FloatBuffer]   // [BT], [BT, d]
    let qkv: [FloatBuffer]           // [BT, 3d], q and k after RoPE
    let probs: [FloatBuffer]         // [B, H, T, T]
    let attentionOut: [FloatBuffer]  // [BT, d], input of o_proj
    let middle: [FloatBuffer]        // residual after attention [BT, d]
    let mlpRstd: [FloatBuffer], mlpInput: [FloatBuffer]
    let mlpPre: [FloatBuffer]        // [BT, 2h] swiglu (gate | up), [BT, h] gelu
    let mlpAct: [FloatBuffer]        // [BT, h]
    let finalRstd: FloatBuffer, finalOut: FloatBuffer
    let logits: FloatBuffer          // [BT, V]; exp(logit - row max) after the loss
    let logSumExp: FloatBuffer, rowLoss: FloatBuffer, inverseSum: FloatBuffer
    // Backward scratch.
    let dResidual: FloatBuffer, dHidden: FloatBuffer, dQKV: FloatBuffer, dAttention: FloatBuffer
    let dPre: FloatBuffer, dAct: FloatBuffer, dScores: FloatBuffer

    init(config c: ModelConfig, batch: Int, length: Int) {
        self.batch = batch; self.length = length
        let rows = batch * length, d = c.dModel, h = c.mlpHidden, L = c.nLayers
        let preWidth = c.mlpKind == .swiglu ? 2 * h : h
        let scores = batch * c.nHeads * length * length
        func many(_ n: Int, _ count: Int) -> [FloatBuffer] { (0..<n).map { _ in FloatBuffer(count: count) } }
        residual = many(L + 1, rows * d)
        attentionRstd = many(L, rows); attentionInput = many(L, rows * d)
        qkv = many(L, rows * 3 * d); probs = many(L, scores); attentionOut = many(L, rows * d)
        middle = many(L, rows * d)
        mlpRstd = many(L, rows); mlpInput = many(L, rows * d)
        mlpPre = many(L, rows * preWidth); mlpAct = many(L, rows * h)
        finalRstd = FloatBuffer(count: rows); finalOut = FloatBuffer(count: rows * d)
        logits = FloatBuffer(count: rows * c.vocabSize)
        logSumExp = FloatBuffer(count: rows); rowLoss = FloatBuffer(count: rows); inverseSum = FloatBuffer(count: rows)
        dResidual = FloatBuffer(count: rows * d); dHidden = FloatBuffer(count: rows * d)
        dQKV = FloatBuffer(count: rows * 3 * d); dAttention = FloatBuffer(count: rows * d)
        dPre = FloatBuffer(count: rows * preWidth); dAct = FloatBuffer(count: rows * h)
        dScores = FloatBuffer(count: scores)
    }
}
