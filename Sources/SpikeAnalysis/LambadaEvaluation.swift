import Foundation
import SpikeData

/// LAMBADA (OpenAI) results.
public struct LambadaResult: Codable, Sendable, Equatable {
    public var passages: Int
    /// Passages whose target tokens are all reproduced by greedy decoding.
    public var correct: Int
    public var accuracy: Double
    /// exp(mean over passages of the target's summed NLL) — lm-evaluation-harness's `perplexity` for LAMBADA.
    public var perplexity: Double
    /// Mean over passages of the target's summed NLL (nats).
    public var meanTargetNLL: Double
    public var meanTargetTokens: Double
    /// Passages whose context was cut to fit the window (the start is dropped).
    public var truncatedContexts: Int
    public var contextLength: Int
    public var batchSize: Int
}

/// Per-passage outcome (optional detail).
public struct LambadaPassageScore: Codable, Sendable, Equatable {
    public var index: Int
    public var targetNLL: Double
    public var targetTokens: Int
    public var correct: Bool
}

struct LambadaItem { var inputs: [Int32]; var targets: [Int32]; var targetCount: Int; var truncated: Bool }

/// LAMBADA evaluation in the lm-evaluation-harness way.
///
/// Each passage is split at its last space: context, and target `" " + last word`. Tokens (the harness's
/// `_encode_pair`): trailing whitespace of the context, if any, moves to the front of the target; then
/// `whole = encode(context + target)`, `ctx = encode(context)`, target tokens = `whole[ctx.count...]` (if that is
/// empty, `encode(target)`). No `<|endoftext|>` prefix (the harness adds one
/// only for an empty context). The window is `(ctx + target)` shifted by one, keeping the last
/// `contextLength` tokens when longer. Accuracy: the argmax at every target position equals the target token.
/// Perplexity: exp of the mean over passages of the summed target NLL. Windows are sorted by length and sent
/// `batchSize` at a time.
public enum LambadaEvaluation {
    public static func evaluate(passages: [LambadaPassage], tokenizer: BPETokenizer, scorer: some TokenScorer,
                                batchSize: Int = 16) throws -> LambadaResult {
        try evaluateWithDetails(passages: passages, tokenizer: tokenizer, scorer: scorer, batchSize: batchSize).result
    }

    public static func evaluateWithDetails(passages: [LambadaPassage], tokenizer: BPETokenizer, scorer: some TokenScorer,
                                           batchSize: Int = 16) throws -> (result: LambadaResult, passages: [LambadaPassageScore]) {
        let L = scorer.contextLength
        guard L >= 1 else { throw EvaluationError("context length \(L) < 1") }
        guard batchSize >= 1 else { throw EvaluationError("batch size \(batchSize) < 1") }
        guard !passages.isEmpty else { throw EvaluationError("no LAMBADA passages") }
        var items: [LambadaItem] = []
        items.reserveCapacity(passages.count)
        for p in passages {
            // As the harness: trailing whitespace of the context moves to the front of the continuation.
            var context = Substring(p.context)
            var target = p.target
            while let last = context.last, last.isWhitespace {
                target = String(last) + target
                context = context.dropLast()
            }
            var ctx = tokenizer.encode(String(context))
            let whole = tokenizer.encode(String(context) + target)
            var cont = whole.count > ctx.count ? Array(whole[ctx.count...]) : tokenizer.encode(target)
            if cont.isEmpty { cont = tokenizer.encode(target) }
            if ctx.isEmpty { ctx = [tokenizer.endOfTextId] }
            guard cont.count <= L else {
                throw EvaluationError("passage \(p.index): target has \(cont.count) tokens, more than the context length \(L)")
            }
            let seq = ctx + cont
            var inputs = Array(seq.dropLast())
            var targets = Array(seq.dropFirst())
            let truncated = inputs.count > L
            if truncated {
                inputs = Array(inputs.suffix(L))
                targets = Array(targets.suffix(L))
            }
            items.append(LambadaItem(inputs: inputs, targets: targets, targetCount: cont.count, truncated: truncated))
        }
        // Longest first, ties by index: similar lengths share a batch.
        let order = items.indices.sorted { (items[$0].inputs.count, -$0) > (items[$1].inputs.count, -$1) }
        var scores = [LambadaPassageScore?](repeating: nil, count: items.count)
        var b = 0
        while b < order.count {
            let batch = Array(order[b..<min(b + batchSize, order.count)])
            let scored = try scorer.checkedScore(inputs: batch.map { items[$0].inputs }, targets: batch.map { items[$0].targets })
            for (i, s) in zip(batch, scored) {
                let item = items[i]
                let n = item.inputs.count
                var nll = 0.0
                var correct = true
                for k in (n - item.targetCount)..<n {
                    nll -= Double(s.targetLogProbs[k])
                    if s.greedyTokens[k] != item.targets[k] { correct = false }
                }
                scores[i] = LambadaPassageScore(index: passages[i].index, targetNLL: nll, targetTokens: item.targetCount, correct: correct)
            }
            b += batchSize
        }
        let all = scores.map { $0! }
        let correct = all.filter(\.correct).count
        let meanNLL = all.reduce(0.0) { $0 + $1.targetNLL } / Double(all.count)
        let result = LambadaResult(
            passages: all.count, correct: correct, accuracy: Double(correct) / Double(all.count),
            perplexity: exp(meanNLL), meanTargetNLL: meanNLL,
            meanTargetTokens: Double(all.reduce(0) { $0 + $1.targetTokens }) / Double(all.count),
            truncatedContexts: items.filter(\.truncated).count, contextLength: L, batchSize: batchSize)
        return (result, all)
    }
}
