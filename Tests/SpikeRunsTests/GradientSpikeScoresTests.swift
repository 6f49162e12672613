import Foundation
import Testing
import SpikeKernels
import SpikeModel
import SpikeTestSupport
@testable import SpikeRuns
import SpikeTraining

/// Keeps every step's gradients (the direct computation the two passes are checked against).
private final class GradientRecorder: StepObserver {
    var gradients: [[Float]] = []
    func afterBackward(_ context: StepContext) throws {
        gradients.append(Array(UnsafeBufferPointer(start: context.model.gradients.pointer, count: context.model.gradients.count)))
    }
    func afterUpdate(_ context: StepContext) throws {}
}

@Suite struct GradientSpikeScoresTests {
    static func passes(_ base: RunConfig) -> (one: RunConfig, two: RunConfig) {
        var one = base
        one.gradientSpikeScores = GradientSpikeScores()
        var two = base
        two.gradientSpikeScores = GradientSpikeScores(meanOf: RunCache.hash(one))
        return (one, two)
    }

    @Test func twoPassesMatchADirectComputation() throws {
        let base = tinyRunConfig(steps: 60)
        let (one, two) = Self.passes(base)
        let root = temporaryDirectory("gss")
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = tinyCache(root)
        let first = try cache.run(one, label: "pass 1")

        let plainDir = root.appendingPathComponent("plain")
        let plain = try quietTrainer(base, in: plainDir)
        let recorder = GradientRecorder()
        plain.extraObservers = [recorder]
        try plain.run()
        // Observers do not change the training: all three runs have the same log.
        let log = try Data(contentsOf: plainDir.appendingPathComponent("log.csv"))
        #expect(try Data(contentsOf: first.directory.appendingPathComponent("log.csv")) == log)

        let layout = plain.model.layout
        var sum = [Double](repeating: 0, count: layout.count)
        for g in recorder.gradients { for i in 0..<sum.count { sum[i] += Double(abs(g[i])) } }
        let mean = sum.map { $0 / Double(recorder.gradients.count) }
        let written = try GradientSpikeFiles.read(first.directory.appendingPathComponent(GradientSpikeFiles.meanFileName), count: layout.count)
        #expect(written == mean)

        // GSS <= the number of steps (|g(t)| <= sum |g|), and a tiny model's gradients hardly
        // spike: pass 2 divides by a hundredth of the mean, so its counts are tested on real spikes.
        let scaled = mean.map { $0 / 100 }
        try GradientSpikeFiles.write(scaled, to: first.directory.appendingPathComponent(GradientSpikeFiles.meanFileName))
        let second = try cache.run(two, label: "pass 2")
        #expect(try Data(contentsOf: second.directory.appendingPathComponent("log.csv")) == log)

        let spikes = try GradientSpikes(contentsOf: second.directory.appendingPathComponent(GradientSpikeFiles.spikesFileName))
        #expect(spikes.tensors == layout.specs.map(\.name))
        var anySpike = false
        for spec in layout.specs {
            let series = try #require(spikes[spec.name])
            #expect(series.role == spec.role.rawValue)
            #expect(series.step == Array(0..<60))
            for (t, g) in recorder.gradients.enumerated() {
                let scores = (spec.offset..<(spec.offset + spec.count)).filter { scaled[$0] > 0 }.map { Double(abs(g[$0])) / scaled[$0] }
                #expect(series.spikes[t] == scores.filter { $0 > GradientSpikeScores.threshold }.count, "\(spec.name) step \(t)")
                #expect(series.maxScore[t] == (scores.max() ?? 0), "\(spec.name) step \(t)")
                anySpike = anySpike || series.spikes[t] > 0
            }
        }
        #expect(anySpike)
    }

    @Test func resumedPassesAreBitIdentical() throws {
        let (one, two) = Self.passes(tinyRunConfig(steps: 12))
        let root = temporaryDirectory("gss-resume"), whole = temporaryDirectory("gss-whole")
        defer { for d in [root, whole] { try? FileManager.default.removeItem(at: d) } }
        for config in [one, two] {
            for (dir, stop) in [(root, 7), (whole, nil)] {
                let trainer = try quietTrainer(config, in: dir.appendingPathComponent(RunCache.hash(config)))
                if let stop { try trainer.run(stopAfter: stop) }
                try trainer.run()
            }
        }
        for config in [one, two] {
            let a = try deterministicFiles(root.appendingPathComponent(RunCache.hash(config)))
            let b = try deterministicFiles(whole.appendingPathComponent(RunCache.hash(config)))
            #expect(a.keys.sorted() == b.keys.sorted())
            for (name, bytes) in a { #expect(b[name] == bytes, "\(name) differs") }
        }
        #expect(try deterministicFiles(root.appendingPathComponent(RunCache.hash(two))).keys.contains(GradientSpikeFiles.spikesFileName))
    }

    @Test func passTwoRefusesAnotherConfig() throws {
        var (one, two) = Self.passes(tinyRunConfig(steps: 12))
        let root = temporaryDirectory("gss-other")
        defer { try? FileManager.default.removeItem(at: root) }
        try tinyCache(root).run(one, label: "pass 1")
        two.seed += 1
        #expect(throws: RunError.self) { try tinyCache(root).run(two, label: "pass 2") }
    }

    @Test func absentKeyIsNotEncoded() {
        let json = String(decoding: tinyRunConfig().canonicalJSON, as: UTF8.self)
        #expect(!json.contains("gradientSpikeScores"))
        #expect(String(decoding: Self.passes(tinyRunConfig()).one.canonicalJSON, as: UTF8.self).contains("gradientSpikeScores"))
    }
}
