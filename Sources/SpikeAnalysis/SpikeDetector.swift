import Foundation

/// One loss event found by `SpikeDetector`: an optimisation spike or a data outlier. Steps are
/// indices into the loss curve (the run log's 0-based update index).
public struct LossSpike: Codable, Sendable, Equatable {
    /// What the event is: the paper claims count `optimization` spikes only.
    public enum Kind: String, Codable, Sendable {
        /// The loss stayed up for several steps, or the fixed held-out batch rose with it, or the
        /// loss became non-finite: the parameters were damaged.
        case optimization
        /// One or two unusual batches: the loss was high while the model was not (the rise did
        /// not persist and the held-out batch, when measured, did not move).
        case dataOutlier
    }

    public var kind: Kind
    /// First step whose loss exceeded `threshold` (or was not finite).
    public var start: Int
    /// Step of the highest loss inside the event; for a divergence, the first non-finite step.
    public var peak: Int
    /// Loss at `peak`; nil when that loss is not finite (a divergence), so the struct always
    /// encodes to plain JSON.
    public var peakLoss: Double?
    /// The running median the event was measured against, frozen at `start`.
    public var baseline: Double
    /// `baseline + margin`: the level the loss had to exceed.
    public var threshold: Double
    /// `peakLoss - baseline`; nil for a divergence.
    public var height: Double?
    /// For a recovered event, the first step whose loss was back below `baseline + margin *
    /// recoveryFraction`; otherwise the last step of the curve.
    public var end: Int
    /// Steps inside the event whose loss exceeded `threshold`.
    public var exceedances: Int
    /// Whether the loss came back below the recovery level before the curve ended.
    public var recovered: Bool
    /// Whether a non-finite loss occurred inside the event (it then never recovers).
    public var diverged: Bool

    public init(kind: Kind = .optimization, start: Int, peak: Int, peakLoss: Double?, baseline: Double, threshold: Double,
                height: Double?, end: Int, exceedances: Int = 1, recovered: Bool, diverged: Bool) {
        self.kind = kind; self.start = start; self.peak = peak; self.peakLoss = peakLoss; self.baseline = baseline
        self.threshold = threshold; self.height = height; self.end = end; self.exceedances = exceedances
        self.recovered = recovered; self.diverged = diverged
    }

    /// The peak as a number: +infinity for a divergence.
    public var peakValue: Double { peakLoss ?? .infinity }
    /// Steps from start to end, both included.
    public var duration: Int { end - start + 1 }
}

/// The loss of the fixed held-out batch at one step (the run's probe file), which tells damage to
/// the parameters from a batch that is merely hard.
public struct HeldOutLoss: Sendable, Equatable {
    public var step: Int
    public var loss: Double
    public init(step: Int, loss: Double) { self.step = step; self.loss = loss }
}

/// The one loss-spike detector of the suite (version 2; every paper's "spike" verdict comes from
/// it).
///
/// Definition, for a loss curve `loss[s]` (s = step):
/// - **History.** The finite losses of the steps *not* inside an event, in step order. At step s
///   the detector looks at the last `window` history entries before s.
/// - **Baseline and noise.** The baseline b(s) is their median. The local noise sigma(s) is the
///   robust standard deviation of their step-to-step changes: 1.4826 x MAD(differences) / sqrt(2).
///   Differences cancel a trend (a falling loss does not count as noise), and the MAD ignores a
///   few outlier batches.
/// - **Margin.** `margin(s) = max(zThreshold x sigma, relativeFloor x b, absoluteFloor)`: a rise of
///   `zThreshold` robust standard deviations of the local noise, and never less than the floors
///   (defaults 6, 2 % and 0.05 nats: at a loss of 6 with batch noise of 0.05 nats the margin is
///   about 0.3 nats, against 1.5 nats for version 1's max(0.25 x median, 0.5)).
/// - **Start.** An event starts at the first step s outside an event with at least
///   `minimumHistory` history entries and `loss[s] > b(s) + margin(s)`. A non-finite loss starts
///   an event at any step.
/// - **End.** Baseline and margin are frozen at the start. The event ends (recovered) at the first
///   later step whose loss is below `b + recoveryFraction x margin`; that step rejoins the
///   history. If the curve ends first, or a loss inside it is non-finite, it is unrecovered.
///   An event starting at most `mergeGap` steps after the previous one recovered is merged into
///   it.
/// - **Kind.** An event is an optimisation spike when its loss exceeded the threshold on at least
///   `minimumExceedances` steps, or when the held-out batch (if measured) rose above its own
///   baseline (median of its previous `heldOutWindow` probes) by `max(relativeFloor x that,
///   absoluteFloor)` at a probe inside [start, end + heldOutLag], or when a loss was non-finite.
///   Otherwise it is a data outlier: one or two hard batches.
public struct SpikeDetector: Codable, Sendable, Equatable {
    public var window: Int
    /// Events are detected only once this many history entries exist (the noise needs them).
    public var minimumHistory: Int
    /// The margin in robust standard deviations of the local step-to-step noise.
    public var zThreshold: Double
    /// Smallest margin as a fraction of the baseline.
    public var relativeFloor: Double
    /// Smallest margin, in nats.
    public var absoluteFloor: Double
    /// An event ends when the loss is below `baseline + recoveryFraction * margin`.
    public var recoveryFraction: Double
    /// An event starting within this many steps after the previous one recovered is merged into it.
    public var mergeGap: Int
    /// Steps above the threshold that make an event an optimisation spike without the held-out batch.
    public var minimumExceedances: Int
    /// Held-out probes whose median is the held-out baseline.
    public var heldOutWindow: Int
    /// Held-out probes up to this many steps after an event's end still count for it (the probe
    /// interval).
    public var heldOutLag: Int

    public init(window: Int = 50, minimumHistory: Int = 20, zThreshold: Double = 6, relativeFloor: Double = 0.02,
                absoluteFloor: Double = 0.05, recoveryFraction: Double = 0.5, mergeGap: Int = 10, minimumExceedances: Int = 3,
                heldOutWindow: Int = 10, heldOutLag: Int = 10) {
        self.window = window; self.minimumHistory = minimumHistory; self.zThreshold = zThreshold
        self.relativeFloor = relativeFloor; self.absoluteFloor = absoluteFloor; self.recoveryFraction = recoveryFraction
        self.mergeGap = mergeGap; self.minimumExceedances = minimumExceedances; self.heldOutWindow = heldOutWindow
        self.heldOutLag = heldOutLag
    }

    /// The defaults every paper uses.
    public static let standard = SpikeDetector()

    /// A one-line statement of the settings, for figure and table metadata.
    public var summary: String {
        "spike v2: loss > median(previous \(window) non-spike losses, >= \(minimumHistory)) + max(\(zThreshold) x robust sd of their "
            + "step-to-step changes, \(relativeFloor) x median, \(absoluteFloor) nats); ends below median + \(recoveryFraction) x margin; "
            + "merge gap \(mergeGap); optimisation spike if >= \(minimumExceedances) steps above the threshold, or the held-out batch rises, "
            + "or the loss is non-finite; otherwise a data outlier"
    }

    /// The optimisation spikes of `losses` (index = step), in step order: what the claims count.
    public func detect(_ losses: [Double], heldOut: [HeldOutLoss] = []) -> [LossSpike] {
        events(losses, heldOut: heldOut).filter { $0.kind == .optimization }
    }

    /// Every event of `losses`, optimisation spikes and data outliers, in step order.
    public func events(_ losses: [Double], heldOut: [HeldOutLoss] = []) -> [LossSpike] {
        precondition(window >= 2 && minimumHistory >= 2 && zThreshold >= 0 && relativeFloor >= 0 && absoluteFloor >= 0
                     && mergeGap >= 0 && minimumExceedances >= 1 && heldOutWindow >= 1 && heldOutLag >= 0,
                     "invalid SpikeDetector settings \(self)")
        var found: [LossSpike] = []
        var history: [Double] = []
        var open: LossSpike?
        var openMargin = 0.0

        func close(_ spike: LossSpike) {
            var spike = spike
            spike.kind = kind(of: spike, heldOut: heldOut)
            found.append(spike)
        }

        for (s, x) in losses.enumerated() {
            if var spike = open {
                if !x.isFinite {
                    spike.peak = s; spike.peakLoss = nil; spike.height = nil; spike.diverged = true
                    spike.end = losses.count - 1; spike.recovered = false
                    close(spike)
                    return found
                }
                if x > spike.peakValue { spike.peak = s; spike.peakLoss = x; spike.height = x - spike.baseline }
                if x > spike.threshold { spike.exceedances += 1 }
                if x < spike.baseline + recoveryFraction * openMargin {
                    spike.end = s; spike.recovered = true
                    close(spike); open = nil
                    history.append(x)
                } else {
                    open = spike
                }
                continue
            }
            if !x.isFinite {
                let recent = Array(history.suffix(window))
                let b = recent.isEmpty ? 0 : Statistics.median(recent)
                close(LossSpike(start: s, peak: s, peakLoss: nil, baseline: b, threshold: b + margin(recent), height: nil,
                                end: losses.count - 1, recovered: false, diverged: true))
                return found
            }
            if history.count >= minimumHistory {
                let recent = Array(history.suffix(window))
                let b = Statistics.median(recent), m = margin(recent)
                if x > b + m {
                    if let last = found.last, last.recovered, s - last.end <= mergeGap {
                        // Reopen the previous event with its own baseline and margin; the steps
                        // from its recovery up to now joined the history, so take them out.
                        var spike = found.removeLast()
                        openMargin = spike.threshold - spike.baseline
                        history.removeLast(s - spike.end)
                        if x > spike.peakValue { spike.peak = s; spike.peakLoss = x; spike.height = x - spike.baseline }
                        spike.exceedances += 1; spike.recovered = false; spike.end = s
                        open = spike
                    } else {
                        open = LossSpike(start: s, peak: s, peakLoss: x, baseline: b, threshold: b + m, height: x - b,
                                         end: s, exceedances: 1, recovered: false, diverged: false)
                        openMargin = m
                    }
                    continue
                }
            }
            history.append(x)
        }
        if var spike = open {
            spike.end = losses.count - 1; spike.recovered = false
            close(spike)
        }
        return found
    }

    /// The margin over the baseline of `recent` (the last `window` history entries).
    func margin(_ recent: [Double]) -> Double {
        let floor = max(relativeFloor * (recent.isEmpty ? 0 : Statistics.median(recent)), absoluteFloor)
        return max(zThreshold * Self.robustNoise(recent), floor)
    }

    /// 1.4826 x MAD of the step-to-step differences / sqrt(2): the standard deviation of white
    /// noise around a smooth curve (1.4826 makes a MAD consistent for Gaussian noise; differencing
    /// doubles the variance). 0 for fewer than three values.
    static func robustNoise(_ x: [Double]) -> Double {
        guard x.count >= 3 else { return 0 }
        let differences = zip(x.dropFirst(), x).map { $0 - $1 }
        let center = Statistics.median(differences)
        return 1.4826 * Statistics.median(differences.map { abs($0 - center) }) / 2.0.squareRoot()
    }

    private func kind(of spike: LossSpike, heldOut: [HeldOutLoss]) -> LossSpike.Kind {
        if spike.diverged || spike.exceedances >= minimumExceedances { return .optimization }
        let before = heldOut.filter { $0.step < spike.start && $0.loss.isFinite }.suffix(heldOutWindow).map(\.loss)
        guard !before.isEmpty else { return .dataOutlier }
        let b = Statistics.median(before), level = b + max(relativeFloor * b, absoluteFloor)
        let during = heldOut.filter { $0.step >= spike.start && $0.step <= spike.end + heldOutLag }
        return during.contains { !$0.loss.isFinite || $0.loss > level } ? .optimization : .dataOutlier
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
