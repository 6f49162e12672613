import Foundation

/// Rolling-window scoring of a long token stream: every token is predicted exactly once.
///
/// The stream is `[prefix] + tokens`; the targets are `tokens` (the prefix, normally `<|endoftext|>`, is context
/// only, so the first real token is predicted after it). With context length `L` and stride `S` (1...L):
/// the first window predicts targets `1...min(L, N)` (stream indexing) from the stream up to each of them; each
/// further window predicts the next `S` targets (fewer at the end), with the `L` stream tokens before each as
/// context, i.e. its input is the `L` stream tokens ending just before its last target. Windows overlap by
/// `L - S` tokens whose predictions are ignored. `S = L` is lm-evaluation-harness's `loglikelihood_rolling`
/// (disjoint prediction spans; the last window is filled with earlier context); smaller `S` gives each token
/// at least `L - S` tokens of context at `L / S` times the cost.
public enum RollingPerplexity {
    public struct Window: Sendable, Equatable {
        /// Stream range of the inputs: `inputStart ..< end`; targets are `inputStart+1 ... end` (stream indices).
        public var inputStart: Int
        public var end: Int
        /// How many trailing positions are counted (the targets `end - scored + 1 ... end`).
        public var scored: Int
    }

    /// The windows for `tokenCount` targets (stream length `tokenCount + 1`).
    public static func windows(tokenCount n: Int, contextLength L: Int, stride S: Int) -> [Window] {
        precondition(L >= 1 && S >= 1 && S <= L)
        var out: [Window] = []
        if n == 0 { return out }
        var end = min(L, n)
        out.append(Window(inputStart: 0, end: end, scored: end))
        while end < n {
            let next = min(end + S, n)
            out.append(Window(inputStart: max(0, next - L), end: next, scored: next - end))
            end = next
        }
        return out
    }

    public struct Result: Sendable {
        /// log p of each target token, in order (count = number of targets).
        public var logProbs: [Float]
        public var windows: Int
        public var stride: Int
        public var contextLength: Int
        /// Sum of -log p in nats (accumulated in Double).
        public var totalNLL: Double {
            var s = 0.0
            for x in logProbs { s -= Double(x) }
            return s
        }
    }

    /// Scores `tokens` after `prefix` with `scorer`, `batchSize` windows per call. `stride` defaults to the
    /// scorer's context length.
    public static func score(tokens: [Int32], prefix: Int32, scorer: some TokenScorer, stride: Int? = nil,
                             batchSize: Int = 8) throws -> Result {
        let L = scorer.contextLength
        guard L >= 1 else { throw EvaluationError("context length \(L) < 1") }
        let S = stride ?? L
        guard S >= 1 && S <= L else { throw EvaluationError("stride \(S) outside 1...\(L)") }
        guard batchSize >= 1 else { throw EvaluationError("batch size \(batchSize) < 1") }
        var stream: [Int32] = [prefix]
        stream.append(contentsOf: tokens)
        let windows = windows(tokenCount: tokens.count, contextLength: L, stride: S)
        var logProbs = [Float](repeating: 0, count: tokens.count)
        var filled = 0
        var b = 0
        while b < windows.count {
            let batch = windows[b..<min(b + batchSize, windows.count)]
            let inputs = batch.map { Array(stream[$0.inputStart..<$0.end]) }
            let targets = batch.map { Array(stream[($0.inputStart + 1)...$0.end]) }
            let scored = try scorer.checkedScore(inputs: inputs, targets: targets)
            for (w, s) in zip(batch, scored) {
                let n = w.end - w.inputStart
                for k in (n - w.scored)..<n {
                    // Target at stream index inputStart + 1 + k is token index inputStart + k.
                    logProbs[w.inputStart + k] = s.targetLogProbs[k]
                    filled += 1
                }
            }
            b += batchSize
        }
        guard filled == tokens.count else { throw EvaluationError("internal: scored \(filled) of \(tokens.count) tokens") }
        return Result(logProbs: logProbs, windows: windows.count, stride: S, contextLength: L)
    }
}
