import Foundation

/// One loss spike found by `SpikeDetector`. Steps are indices into the loss curve (the run log's
/// 0-based update index).
public struct LossSpike: Codable, Sendable, Equatable {
    /// First step whose loss exceeded `threshold` (or was not finite).
    public var start: Int
    /// Step of the highest loss inside the spike; for a divergence, the first non-finite step.
    public var peak: Int
    /// Loss at `peak`; nil when that loss is not finite (a divergence), so the struct always
    /// encodes to plain JSON.
    public var peakLoss: Double?
    /// The running median the spike was measured against, frozen at `start`.
    public var baseline: Double
    /// `baseline + margin`: the level the loss had to exceed.
    public var threshold: Double
    /// `peakLoss - baseline`; nil for a divergence.
    public var height: Double?
    /// For a recovered spike, the first step whose loss was back below `baseline + margin *
    /// recoveryFraction`; otherwise the last step of the curve.
    public var end: Int
    /// Whether the loss came back below the recovery level before the curve ended.
    public var recovered: Bool
    /// Whether a non-finite loss occurred inside the spike (it then never recovers).
    public var diverged: Bool

    public init(start: Int, peak: Int, peakLoss: Double?, baseline: Double, threshold: Double, height: Double?,
                end: Int, recovered: Bool, diverged: Bool) {
        self.start = start; self.peak = peak; self.peakLoss = peakLoss; self.baseline = baseline
        self.threshold = threshold; self.height = height; self.end = end; self.recovered = recovered
        self.diverged = diverged
    }

    /// The peak as a number: +infinity for a divergence.
    public var peakValue: Double { peakLoss ?? .infinity }
    /// Steps from start to end, both included.
    public var duration: Int { end - start + 1 }
}

/// The one loss-spike detector of the suite (every paper's "spike" verdict comes from it).
///
/// Definition, for a loss curve `loss[s]` (s = step):
/// - **History and baseline.** The history is the finite losses of the steps *not* inside a spike,
///   in step order. The baseline at step s is the median of the last `window` history entries
///   before s (fewer when less history exists; an even count takes the mean of the two middle
///   values).
/// - **Margin.** `margin(s) = max(relativeMargin * baseline(s), absoluteMargin)`: the loss must
///   rise by at least `relativeMargin` of the baseline *and* by at least `absoluteMargin` nats.
///   Defaults 0.25 and 0.5 nats: at a loss of 4 nats that is a jump of 1 nat, far above the
///   step-to-step noise of small-batch curves (a few percent), and the absolute floor keeps
///   low-loss curves from flagging sub-nat wiggles.
/// - **Start.** A spike starts at the first step s outside a spike with at least `minimumHistory`
///   history entries and `loss[s] > baseline(s) + margin(s)`. No finite exceedance is detected
///   earlier. A non-finite loss (NaN or infinity) starts a spike at any step (baseline = median of
///   the history so far, 0 when there is none).
/// - **End.** Baseline and margin are frozen at the start. The spike ends (recovered) at the first
///   later step whose loss is below `baseline + recoveryFraction * margin` (default one half of
///   the margin); that step is `end` and rejoins the history. If the curve ends first, or any loss
///   inside the spike is non-finite, the spike is unrecovered and `end` is the last step.
///   Consecutive exceedances therefore form one spike, and steps inside a spike never enter the
///   history, so a spike does not raise the baseline of the next one.
/// - **Merging.** A spike that starts at most `mergeGap` steps after the previous one recovered is
///   merged into it (same start and baseline; peak and end updated), so one event that dips
///   briefly below the recovery level is counted once.
/// - **Peak.** The step of the largest loss within the spike (the first non-finite step for a
///   divergence); `height = peakLoss - baseline`.
public struct SpikeDetector: Codable, Sendable, Equatable {
    /// Number of previous (non-spike, finite) losses whose median is the baseline.
    public var window: Int
    /// Finite exceedances are detected only once this many history entries exist.
    public var minimumHistory: Int
    /// Margin as a fraction of the baseline.
    public var relativeMargin: Double
    /// Smallest margin, in nats.
    public var absoluteMargin: Double
    /// A spike ends when the loss is below `baseline + recoveryFraction * margin`.
    public var recoveryFraction: Double
    /// A spike starting within this many steps after the previous one recovered is merged into it.
    public var mergeGap: Int

    public init(window: Int = 50, minimumHistory: Int = 10, relativeMargin: Double = 0.25, absoluteMargin: Double = 0.5,
                recoveryFraction: Double = 0.5, mergeGap: Int = 10) {
        self.window = window; self.minimumHistory = minimumHistory; self.relativeMargin = relativeMargin
        self.absoluteMargin = absoluteMargin; self.recoveryFraction = recoveryFraction; self.mergeGap = mergeGap
    }

    /// The defaults every paper uses.
    public static let standard = SpikeDetector()

    /// A one-line statement of the settings, for figure and table metadata.
    public var summary: String {
        "spike: loss > median(previous \(window) non-spike losses, >= \(minimumHistory)) + max(\(relativeMargin) x median, \(absoluteMargin) nats); "
            + "ends below median + \(recoveryFraction) x margin; merge gap \(mergeGap) steps; non-finite loss = unrecovered spike"
    }

    /// The spikes of `losses` (index = step), in step order.
    public func detect(_ losses: [Double]) -> [LossSpike] {
        precondition(window >= 1 && minimumHistory >= 1 && relativeMargin >= 0 && absoluteMargin >= 0 && mergeGap >= 0,
                     "invalid SpikeDetector settings \(self)")
        var spikes: [LossSpike] = []
        var history = RunningMedian(window: window)
        var open: LossSpike?
        var openMargin = 0.0

        func baseline() -> Double { history.median ?? 0 }
        func margin(_ b: Double) -> Double { max(relativeMargin * b, absoluteMargin) }

        var s = 0
        while s < losses.count {
            let x = losses[s]
            if var spike = open {
                if !x.isFinite {
                    spike.peak = s; spike.peakLoss = nil; spike.height = nil; spike.diverged = true
                    spike.end = losses.count - 1; spike.recovered = false
                    spikes.append(spike); open = nil
                    return spikes
                }
                if x > spike.peakValue {
                    spike.peak = s; spike.peakLoss = x; spike.height = x - spike.baseline
                }
                if x < spike.baseline + recoveryFraction * openMargin {
                    spike.end = s; spike.recovered = true
                    spikes.append(spike); open = nil
                    history.append(x)
                } else {
                    open = spike
                }
                s += 1
                continue
            }
            if !x.isFinite {
                let b = baseline()
                spikes.append(LossSpike(start: s, peak: s, peakLoss: nil, baseline: b, threshold: b + margin(b), height: nil,
                                        end: losses.count - 1, recovered: false, diverged: true))
                return spikes
            }
            if history.count >= minimumHistory {
                let b = baseline(), m = margin(b)
                if x > b + m {
                    if let last = spikes.last, last.recovered, s - last.end <= mergeGap {
                        // Reopen the previous spike with its own baseline and margin.
                        var spike = spikes.removeLast()
                        openMargin = spike.threshold - spike.baseline
                        // The steps from its recovery up to now joined the history; take them out.
                        history.removeLast(s - spike.end)
                        if x > spike.peakValue { spike.peak = s; spike.peakLoss = x; spike.height = x - spike.baseline }
                        spike.recovered = false; spike.end = s
                        open = spike
                    } else {
                        open = LossSpike(start: s, peak: s, peakLoss: x, baseline: b, threshold: b + m, height: x - b,
                                         end: s, recovered: false, diverged: false)
                        openMargin = m
                    }
                    s += 1
                    continue
                }
            }
            history.append(x)
            s += 1
        }
        if var spike = open {
            spike.end = losses.count - 1; spike.recovered = false
            spikes.append(spike)
        }
        return spikes
    }

}

/// The history of `SpikeDetector` with the median of its last `window` entries, kept sorted so
/// that each step costs O(window) instead of a sort.
struct RunningMedian {
    let window: Int
    private(set) var values: [Double] = []
    /// The last `window` values, ascending.
    private var sorted: [Double] = []

    init(window: Int) { self.window = window }

    var count: Int { values.count }

    /// Mean of the two middle values for an even count; nil when empty.
    var median: Double? {
        let n = sorted.count
        guard n > 0 else { return nil }
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }

    mutating func append(_ x: Double) {
        if values.count >= window { sorted.remove(at: index(of: values[values.count - window])) }
        values.append(x)
        sorted.insert(x, at: insertionIndex(x))
    }

    mutating func removeLast(_ k: Int) {
        values.removeLast(min(k, values.count))
        sorted = values.suffix(window).sorted()
    }

    /// First index whose value is >= x.
    private func insertionIndex(_ x: Double) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private func index(of x: Double) -> Int {
        let i = insertionIndex(x)
        precondition(i < sorted.count && sorted[i] == x, "running median out of sync")
        return i
    }
}

extension SpikeDetector {
    /// One column of a run's `log.csv` (header `step,lr,loss,cross_entropy,grad_norm,clipped`) as a
    /// curve indexed by step. Rows must cover steps 0, 1, 2, ... without gaps (as the trainer
    /// writes them, also after a resume). Values such as `nan` and `inf` are kept as non-finite.
    public static func curve(logCSV url: URL, column: String = "loss") throws -> [Double] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw EvaluationError("cannot read run log \(url.path): \(error.localizedDescription)")
        }
        return try curve(csv: text, column: column, source: url.path)
    }

    /// `curve(logCSV:column:)` on the text of a log.
    public static func curve(csv text: String, column: String = "loss", source: String = "<log>") throws -> [Double] {
        let lines = text.split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else {
            throw EvaluationError("run log \(source) is empty")
        }
        guard let stepIndex = header.firstIndex(of: "step"), let valueIndex = header.firstIndex(of: column) else {
            throw EvaluationError("run log \(source) has no 'step' or '\(column)' column (header: \(header.joined(separator: ",")))")
        }
        var values: [Double] = []
        for (row, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > max(stepIndex, valueIndex), let step = Int(fields[stepIndex]) else {
                throw EvaluationError("run log \(source): malformed row \(row + 2): \(line)")
            }
            guard step == values.count else {
                throw EvaluationError("run log \(source): row \(row + 2) has step \(step), expected \(values.count)")
            }
            values.append(Double(fields[valueIndex]) ?? .nan)
        }
        return values
    }
}
