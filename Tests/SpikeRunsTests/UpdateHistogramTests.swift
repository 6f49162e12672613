import Foundation
import Testing
import SpikeKernels
import SpikeModel
import SpikeTestSupport
@testable import SpikeRuns
import SpikeTraining

/// The adam paper's instrument: histograms of Adam's update r = m_hat / (sqrt(v_hat) + eps) per
/// tensor (`update_histograms.csv`), against a direct computation from the checkpointed moments.
@Suite struct UpdateHistogramTests {
    func histogramRun(steps: Int = 6, eps: Double = 1e-8) -> RunConfig {
        var c = tinyRunConfig(steps: steps)
        c.optimizer.eps = eps
        c.updateHistograms = ObserverSchedule(every: 2)
        return c
    }

    @Test(arguments: [1e-8, 0])
    func lastRowEqualsTheHistogramOfTheFinalMoments(eps: Double) throws {
        let c = histogramRun(eps: eps)
        let dir = temporaryDirectory("histograms")
        defer { try? FileManager.default.removeItem(at: dir) }
        try quietTrainer(c, in: dir).run()
        let histograms = try UpdateHistograms(contentsOf: dir.appendingPathComponent(UpdateHistogramObserver.fileName))
        let layout = ParameterLayout(c.model)
        #expect(histograms.tensors == layout.specs.filter(\.trainable).map(\.name))
        // The last row (update 5) holds the moments after six updates: the final checkpoint's.
        let state = try SafetensorsFile(contentsOf: CheckpointStore(runDirectory: dir).optimizerURL(step: 6))
        let t = 6.0, bc1 = 1 - pow(c.optimizer.beta1, t), bc2 = 1 - pow(c.optimizer.beta2, t)
        for name in histograms.tensors {
            let rows = histograms[name]!
            #expect(rows.map(\.step) == [0, 2, 4, 5])
            let m = try state.floats("m." + name), v = try state.floats("v." + name)
            var bins = [Int](repeating: 0, count: UpdateBins.count)
            var sums = [0.0, 0.0, 0.0, 0.0]
            for i in m.indices {
                let d = (Double(v[i]) / bc2).squareRoot() + eps
                let r = d > 0 ? Double(m[i]) / bc1 / d : 0
                #expect(r.isFinite)
                let bin = Int(((r + 2) / 0.1).rounded(.down))
                bins[min(39, max(0, bin))] += 1
                for k in 0..<4 { sums[k] += pow(r, Double(k + 1)) }
            }
            let last = rows.last!
            #expect(last.count == layout[name]!.count && last.bins == bins, "\(name)")
            for k in 0..<4 { #expect(abs(last.sums[k] - sums[k]) <= 1e-9 * max(1, abs(sums[k])), "\(name) sum r^\(k + 1)") }
            #expect(last.bimodality >= 0 && last.bimodality <= 1 || last.bimodality.isNaN)
        }
    }

    @Test func bimodalityCoefficientOfKnownShapes() {
        func row(_ values: [Double]) -> UpdateHistograms.Row {
            var bins = [Int](repeating: 0, count: UpdateBins.count)
            for r in values { bins[UpdateBins.index(r)] += 1 }
            return UpdateHistograms.Row(step: 0, count: values.count, sums: (1...4).map { k in values.map { pow($0, Double(k)) }.reduce(0, +) }, bins: bins)
        }
        // Mass at +-1: b = 1; uniform: 5/9; a normal-like sample: about 1/3.
        #expect(abs(row([1, -1, 1, -1]).bimodality - 1) < 1e-12)
        let uniform = (0..<10_000).map { -1 + (Double($0) + 0.5) / 5000 }
        #expect(abs(row(uniform).bimodality - 5.0 / 9.0) < 1e-6)
        var rng = RandomGenerator(seed: 3)
        let normal = (0..<20_000).map { _ in Double(rng.normal()) * 0.2 }
        #expect(abs(row(normal).bimodality - 1.0 / 3.0) < 0.02)
        #expect(row([1, -1, 1, -1]).largeShare == 1 && row([0.1, -0.2]).largeShare == 0)
        #expect(row([0.3, 0.3]).bimodality.isNaN)
    }

    @Test func histogramsLeaveTrainingUnchangedAndResume() throws {
        let plain = tinyRunConfig(steps: 8), observed = histogramRun(steps: 8)
        let a = temporaryDirectory("plain"), b = temporaryDirectory("observed")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        try quietTrainer(plain, in: a).run()
        try quietTrainer(observed, in: b).run()
        let x = try deterministicFiles(a), y = try deterministicFiles(b)
        for name in [TrainingLogFile.fileName, "result.json"] { #expect(y[name] == x[name], "\(name) differs with histograms on") }
        #expect(!String(decoding: plain.canonicalJSON, as: UTF8.self).contains("updateHistograms"))
        try TrainerTests().expectResumeIsBitIdentical(histogramRun(steps: 12))
    }
}
