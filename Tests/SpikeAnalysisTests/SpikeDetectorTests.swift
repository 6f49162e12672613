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

    @Test func defaultsAreDocumented() {
        #expect(detector == SpikeDetector(window: 50, minimumHistory: 10, relativeMargin: 0.25, absoluteMargin: 0.5,
                                          recoveryFraction: 0.5, mergeGap: 10))
        #expect(SpikeDetector.standard == detector)
        #expect(detector.summary.contains("median(previous 50"))
    }

    @Test func smoothNoisyCurveHasNoSpike() {
        #expect(detector.detect(smoothCurve(steps: 2000, seed: 1, noise: 0.02)).isEmpty)
        // Noise-free, monotone decay, and a constant curve.
        #expect(detector.detect(smoothCurve(steps: 1000, seed: 1, noise: 0)).isEmpty)
        #expect(detector.detect([Double](repeating: 4, count: 300)).isEmpty)
    }

    @Test func realisticNoiseNeverTriggers() {
        // +-5 % uniform and 2.5 % Gaussian multiplicative noise, several seeds.
        for seed in UInt64(1)...6 {
            #expect(detector.detect(smoothCurve(steps: 1500, seed: seed, noise: 0.05)).isEmpty, "uniform seed \(seed)")
            #expect(detector.detect(smoothCurve(steps: 1500, seed: seed + 100, noise: 0.025, gaussian: true)).isEmpty,
                    "gaussian seed \(seed)")
        }
    }

    @Test func oneInjectedSpike() throws {
        var curve = smoothCurve(steps: 1200, seed: 7, noise: 0.02)
        inject(&curve, at: 400, height: 3)
        let spikes = detector.detect(curve)
        try #require(spikes.count == 1)
        let s = spikes[0]
        // Rise of 0.75, 1.5, 2.25, 3 nats over a curve at 4.2 nats; the baseline (median of steps
        // 350-399) is about 4.34 and the margin 1.08, so the second step of the rise is the first
        // exceedance.
        #expect(s.start == 401)
        #expect(s.peak == 403)
        #expect(s.peakLoss == curve[403])
        #expect(s.recovered && !s.diverged)
        #expect(s.end > s.peak && s.end < 424)
        #expect(abs(s.baseline - (3 + 6 * exp(-375.0 / 250))) < 0.1)
        #expect(abs(s.threshold - s.baseline - 0.25 * s.baseline) < 1e-12)
        #expect(abs(s.height! - (curve[403] - s.baseline)) < 1e-12)
        #expect(curve[s.end] < s.baseline + 0.5 * (s.threshold - s.baseline))
        #expect(curve[s.end - 1] >= s.baseline + 0.5 * (s.threshold - s.baseline))
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

    @Test func unrecoveredDivergence() throws {
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
        #expect(spikes[0].peakLoss == nil && spikes[0].height == nil && spikes[0].end == 299)
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
        curve[5] = 9
        #expect(detector.detect(curve).isEmpty)
        curve[5] = 5; curve[10] = 9
        #expect(detector.detect(curve).map(\.start) == [10])
    }

    @Test func absoluteMarginFloorsLowLosses() {
        // Baseline 1 nat: +0.4 nats is 40 % but below the 0.5-nat floor; +0.6 nats triggers.
        var curve = [Double](repeating: 1, count: 200)
        curve[100] = 1.4
        #expect(detector.detect(curve).isEmpty)
        curve[100] = 1.6
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

    @Test func runningMedianMatchesSorting() {
        var rng = RandomGenerator(seed: 11)
        var running = RunningMedian(window: 7)
        var all: [Double] = []
        #expect(running.median == nil)
        for step in 0..<300 {
            if step % 50 == 49 {
                running.removeLast(3); all.removeLast(3)
            } else {
                // Repeated values too (rounded), so duplicates are removed correctly.
                let x = (rng.uniform() * 20).rounded()
                running.append(x); all.append(x)
            }
            let last = all.suffix(7).sorted()
            let n = last.count
            #expect(running.median == (n % 2 == 1 ? last[n / 2] : 0.5 * (last[n / 2 - 1] + last[n / 2])))
        }
    }

    @Test func settingsAreCodable() throws {
        let d = SpikeDetector(window: 30, minimumHistory: 5, relativeMargin: 0.1, absoluteMargin: 0.2, recoveryFraction: 0.3, mergeGap: 4)
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
