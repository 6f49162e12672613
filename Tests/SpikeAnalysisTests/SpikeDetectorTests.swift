import Foundation
import Testing
@testable import SpikeAnalysis
import SpikeKernels

/// A smooth pre-training curve: ln(V)-ish start decaying to 3 nats, with multiplicative noise.
private func smoothCurve(steps: Int, seed: UInt64, noise: Double, gaussian: Bool = false) -> [Double] {
    var rng = RandomGenerator(seed: seed)
    return (0..<steps).map { s in
        let clean = 3 + 6 * exp(-Double(s) / 250)
        let e = gaussian ? noise * rng.normal() : noise * (2 * rng.uniform() - 1)
        return clean * (1 + e)
    }
}

/// Adds a spike: linear rise over `rise` steps to `height` nats above the curve at `at + rise`,
/// then linear decay over `fall` steps.
private func inject(_ curve: inout [Double], at start: Int, height: Double, rise: Int = 4, fall: Int = 20) {
    for k in 0..<(rise + fall) where start + k < curve.count {
        let f = k < rise ? Double(k + 1) / Double(rise) : Double(rise + fall - k) / Double(fall + 1)
        curve[start + k] += height * f
    }
}

@Suite struct SpikeDetectorTests {
    let detector = SpikeDetector()

    /// A flat curve at `level` with Gaussian noise of `sd` nats.
    private func flat(_ steps: Int, level: Double = 6, sd: Double = 0.03, seed: UInt64) -> [Double] {
        var rng = RandomGenerator(seed: seed)
        return (0..<steps).map { _ in level + sd * rng.normal() }
    }

    @Test func defaultsAreDocumented() {
        #expect(detector == SpikeDetector(window: 50, minimumHistory: 20, zThreshold: 6, relativeFloor: 0.02, absoluteFloor: 0.05,
                                          recoveryFraction: 0.5, mergeGap: 10, minimumExceedances: 3, heldOutWindow: 10,
                                          heldOutLag: 10))
        #expect(SpikeDetector.standard == detector)
        #expect(detector.summary.contains("median(previous 50") && detector.summary.contains("6.0 x robust sd"))
    }

    @Test func smoothNoisyCurveHasNoEvent() {
        #expect(detector.events(smoothCurve(steps: 2000, seed: 1, noise: 0.02)).isEmpty)
        // Noise-free, monotone decay, and a constant curve (zero noise: the floors alone).
        #expect(detector.events(smoothCurve(steps: 1000, seed: 1, noise: 0)).isEmpty)
        #expect(detector.events([Double](repeating: 4, count: 300)).isEmpty)
    }

    @Test func realisticNoiseNeverTriggers() {
        // +-5 % uniform and 2.5 % Gaussian multiplicative noise around a falling curve, several seeds:
        // the step-to-step noise estimate is not inflated by the trend, and 6 sd is not reached.
        for seed in UInt64(1)...6 {
            #expect(detector.events(smoothCurve(steps: 1500, seed: seed, noise: 0.05)).isEmpty, "uniform seed \(seed)")
            #expect(detector.events(smoothCurve(steps: 1500, seed: seed + 100, noise: 0.025, gaussian: true)).isEmpty,
                    "gaussian seed \(seed)")
        }
    }

    @Test func robustNoiseEstimatesTheStandardDeviation() {
        // Gaussian noise of 0.1 on a steep linear trend: the differences cancel the trend.
        var rng = RandomGenerator(seed: 5)
        let x = (0..<2000).map { 9 - 0.002 * Double($0) + 0.1 * rng.normal() }
        let sigma = SpikeDetector.robustNoise(x)
        #expect(abs(sigma - 0.1) < 0.01, "robust sd \(sigma)")
        #expect(SpikeDetector.robustNoise([1, 2]) == 0)
        // A few outliers do not move it (the MAD ignores them).
        var y = x
        for s in stride(from: 100, to: 2000, by: 200) { y[s] += 3 }
        #expect(abs(SpikeDetector.robustNoise(y) - sigma) < 0.01)
    }

    @Test func oneInjectedSpike() throws {
        var curve = smoothCurve(steps: 1200, seed: 7, noise: 0.02)
        inject(&curve, at: 400, height: 3)
        let spikes = detector.detect(curve)
        try #require(spikes.count == 1)
        let s = spikes[0]
        // Rise of 0.75, 1.5, 2.25, 3 nats over a curve at 4.2 nats with noise of about 0.05: the
        // margin is a few tenths of a nat, so the first step of the rise already exceeds it.
        #expect(s.kind == .optimization)
        #expect([400, 401].contains(s.start))
        #expect(s.peak == 403)
        #expect(s.peakLoss == curve[403])
        #expect(s.recovered && !s.diverged)
        #expect(s.exceedances >= 3)
        #expect(s.end > s.peak && s.end < 426)
        #expect(abs(s.baseline - (3 + 6 * exp(-375.0 / 250))) < 0.1)
        let margin = s.threshold - s.baseline
        #expect(margin >= 0.02 * s.baseline && margin < 0.75)
        #expect(abs(s.height! - (curve[403] - s.baseline)) < 1e-12)
        #expect(curve[s.end] < s.baseline + 0.5 * margin)
        #expect(curve[s.end - 1] >= s.baseline + 0.5 * margin)
    }

    @Test func aSmallPersistentRiseIsASpikeThatVersionOneMissed() throws {
        // +0.4 nats for 12 steps at a loss of 6 with 0.03 nats of noise: version 1's margin was
        // max(0.25 x 6, 0.5) = 1.5 nats; this one's is max(6 x 0.03, 0.12, 0.05) = 0.18.
        var curve = flat(400, seed: 3)
        for s in 200..<212 { curve[s] += 0.4 }
        let spikes = detector.detect(curve)
        try #require(spikes.count == 1)
        #expect(spikes[0].kind == .optimization && spikes[0].start == 200 && spikes[0].end == 212 && spikes[0].recovered)
        #expect(spikes[0].exceedances == 12)
    }

    @Test func oneHardBatchIsADataOutlier() throws {
        // lmc Fig. 4 at ci scale: a +0.55-nat jump on one batch, the next batches normal.
        var curve = flat(400, seed: 4)
        curve[106] += 0.55
        #expect(detector.detect(curve).isEmpty)
        let events = detector.events(curve)
        try #require(events.count == 1)
        #expect(events[0].kind == .dataOutlier && events[0].start == 106 && events[0].end == 107 && events[0].exceedances == 1)
        // Two hard batches a few steps apart merge into one event of two exceedances: still an outlier.
        curve[110] += 0.6
        #expect(detector.events(curve).map(\.kind) == [.dataOutlier])
        #expect(detector.events(curve).first?.exceedances == 2)
    }

    @Test func theHeldOutBatchTellsDamageFromAHardBatch() throws {
        var curve = flat(400, seed: 6)
        curve[150] += 0.8; curve[151] += 0.5
        let quiet = stride(from: 0, to: 400, by: 10).map { HeldOutLoss(step: $0, loss: 5.9) }
        var damaged = quiet
        damaged[16].loss = 6.3   // the probe at step 160, within heldOutLag of the end
        #expect(detector.detect(curve, heldOut: quiet).isEmpty)
        #expect(detector.events(curve, heldOut: quiet).map(\.kind) == [.dataOutlier])
        let spikes = detector.detect(curve, heldOut: damaged)
        #expect(spikes.count == 1 && spikes.first?.start == 150)
        // A probe rising long after the event does not count for it.
        var late = quiet
        late[30].loss = 6.3
        #expect(detector.detect(curve, heldOut: late).isEmpty)
    }

    @Test func twoSeparateSpikes() {
        var curve = smoothCurve(steps: 1500, seed: 8, noise: 0.02)
        inject(&curve, at: 500, height: 2.5)
        inject(&curve, at: 1100, height: 4)
        let spikes = detector.detect(curve)
        #expect(spikes.count == 2)
        #expect(spikes.map(\.peak) == [503, 1103])
        #expect(spikes.allSatisfy { $0.recovered })
        #expect(spikes.map(\.start).allSatisfy { [500, 501, 502, 1100, 1101, 1102].contains($0) })
    }

    @Test func unrecoveredStall() throws {
        var curve = smoothCurve(steps: 900, seed: 9, noise: 0.02)
        for s in 600..<900 { curve[s] += 2 + Double(s - 600) * 0.01 }   // jumps and keeps climbing
        let spikes = detector.detect(curve)
        try #require(spikes.count == 1)
        #expect(spikes[0].start == 600)
        #expect(!spikes[0].recovered && !spikes[0].diverged)
        #expect(spikes[0].end == 899)
        #expect(spikes[0].peak == (600..<900).max { curve[$0] < curve[$1] })
    }

    @Test func nonFiniteLossIsAnUnrecoveredSpike() throws {
        var curve = smoothCurve(steps: 300, seed: 10, noise: 0.02)
        curve[250] = .nan
        var spikes = detector.detect(curve)
        try #require(spikes.count == 1)
        #expect(spikes[0].start == 250 && spikes[0].peak == 250 && spikes[0].diverged && !spikes[0].recovered)
        #expect(spikes[0].kind == .optimization && spikes[0].peakLoss == nil && spikes[0].height == nil && spikes[0].end == 299)
        #expect(spikes[0].peakValue == .infinity)
        // Inside a spike: the spike becomes a divergence at the first infinite loss.
        curve = smoothCurve(steps: 300, seed: 10, noise: 0.02)
        curve[200] += 3; curve[201] += 6; curve[202] = .infinity
        spikes = detector.detect(curve)
        try #require(spikes.count == 1)
        #expect(spikes[0].start == 200 && spikes[0].peak == 202 && spikes[0].diverged && spikes[0].end == 299)
        // Even before the minimum history, and the result encodes to plain JSON.
        spikes = detector.detect([10, 9.5, .nan])
        #expect(spikes.count == 1 && spikes[0].start == 2 && spikes[0].baseline == 9.75)
        let decoded = try JSONDecoder().decode([LossSpike].self, from: JSONEncoder().encode(spikes))
        #expect(decoded == spikes)
    }

    @Test func noFiniteDetectionBeforeMinimumHistory() {
        var curve = [Double](repeating: 5, count: 100)
        for s in 5..<10 { curve[s] = 9 }
        #expect(detector.events(curve).isEmpty)
        for s in 5..<10 { curve[s] = 5 }
        for s in 20..<25 { curve[s] = 9 }
        #expect(detector.detect(curve).map(\.start) == [20])
    }

    @Test func floorsHoldOnNoiselessCurves() {
        // Baseline 1 nat, no noise: the margin is the 0.05-nat floor (2 % of 1 is less).
        var curve = [Double](repeating: 1, count: 200)
        for s in 100..<105 { curve[s] = 1.04 }
        #expect(detector.events(curve).isEmpty)
        for s in 100..<105 { curve[s] = 1.06 }
        #expect(detector.detect(curve).map(\.start) == [100])
        // Baseline 6 nats: the 2 % floor (0.12 nats) is the larger.
        curve = [Double](repeating: 6, count: 200)
        for s in 100..<105 { curve[s] = 6.1 }
        #expect(detector.events(curve).isEmpty)
        for s in 100..<105 { curve[s] = 6.13 }
        #expect(detector.detect(curve).map(\.start) == [100])
    }

    @Test func briefDipsMergeIntoOneSpike() {
        var curve = [Double](repeating: 4, count: 200)
        for s in 100..<110 { curve[s] = 7 }
        curve[110] = 4; curve[111] = 4      // back below the recovery level for two steps
        for s in 112..<120 { curve[s] = 8 }
        let spikes = detector.detect(curve)
        #expect(spikes.count == 1)
        #expect(spikes.first?.start == 100 && spikes.first?.peak == 112 && spikes.first?.end == 120 && spikes.first?.recovered == true)
        #expect(spikes.first?.exceedances == 18)
        // Beyond the merge gap: two spikes.
        for s in 110..<130 { curve[s] = 4 }
        for s in 130..<135 { curve[s] = 8 }
        #expect(detector.detect(curve).count == 2)
        #expect(SpikeDetector(mergeGap: 0).detect(curve).count == 2)
    }

    @Test func spikeStepsStayOutOfTheBaseline() throws {
        // A long spike (more than half the window) followed by a second one: the second is measured
        // against the pre-spike level, not against the first spike's losses.
        var curve = [Double](repeating: 4, count: 400)
        for s in 100..<140 { curve[s] = 7 }
        for s in 155..<160 { curve[s] = 6 }   // the last 50 steps hold 35 of the first spike
        let spikes = detector.detect(curve)
        try #require(spikes.count == 2)
        #expect(spikes[0].baseline == 4 && spikes[1].baseline == 4)
        #expect(spikes[0].end == 140 && spikes[1].start == 155 && spikes[1].end == 160)
    }

    @Test func settingsAreCodable() throws {
        let d = SpikeDetector(window: 30, minimumHistory: 5, zThreshold: 4, relativeFloor: 0.1, absoluteFloor: 0.2, recoveryFraction: 0.3,
                              mergeGap: 4, minimumExceedances: 2, heldOutWindow: 5, heldOutLag: 20)
        #expect(try JSONDecoder().decode(SpikeDetector.self, from: JSONEncoder().encode(d)) == d)
    }

    @Test func readsTheRunLog() throws {
        let log = "step,lr,loss,cross_entropy,grad_norm,clipped\n0,0.0,10.5,10.4,1.5,0\n1,1e-05,10.25,10.2,1.2,0\n2,2e-05,nan,nan,nan,0\n"
        let loss = try SpikeDetector.curve(csv: log)
        #expect(loss.count == 3 && loss[0] == 10.5 && loss[1] == 10.25 && loss[2].isNaN)
        #expect(try SpikeDetector.curve(csv: log, column: "cross_entropy")[1] == 10.2)
        #expect(throws: EvaluationError.self) { try SpikeDetector.curve(csv: "step,lr,loss\n0,0,1\n2,0,1\n") }
        #expect(throws: EvaluationError.self) { try SpikeDetector.curve(csv: log, column: "nope") }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spike-detector-\(getpid()).csv")
        try Data(log.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try SpikeDetector.curve(logCSV: url).count == 3)
    }
}
