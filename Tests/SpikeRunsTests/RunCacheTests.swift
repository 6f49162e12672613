import Foundation
import Testing
import SpikeData
import SpikeKernels
import SpikeTestSupport
import SpikeTraining
@testable import SpikeRuns

@Suite struct RunCacheTests {
    @Test func hashIsTheConfigIdentity() throws {
        let c = tinyConfig()
        var h = SHA256()
        h.update(c.canonicalJSON)
        h.update(Array("\nnumerics generation \(RunCache.numericsGeneration) \(Numerics.fingerprint.runHashKey)".utf8))
        #expect(RunCache.hash(c) == String(SHA256.hex(h.finalize()).prefix(16)))
        // Another numerics mode or kernel family names another directory.
        var native = Numerics.fingerprint
        native.mode = .native
        #expect(RunCache.hash(c, numerics: native) != RunCache.hash(c))
        var other = Numerics.fingerprint
        other.blasCore = other.blasCore == "Zen" ? "SkylakeX" : "Zen"
        #expect(RunCache.hash(c, numerics: other) != RunCache.hash(c))
        // The config alone (what older code hashed) names another directory.
        var configOnly = SHA256()
        configOnly.update(c.canonicalJSON)
        #expect(RunCache.hash(c) != String(SHA256.hex(configOnly.finalize()).prefix(16)))
        #expect(RunCache.hash(c).count == 16)
        #expect(RunCache.hash(c) != RunCache.hash(tinyConfig(seed: 8)))
        let cache = RunCache(environment: ["SPIKELAB_RUNS": "/tmp/elsewhere"])
        #expect(cache.directory(for: c).path == "/tmp/elsewhere/\(RunCache.hash(c))")
        #expect(RunCache(environment: [:]).root.lastPathComponent == "runs")
    }

    @Test func trainsOnceThenReuses() throws {
        let root = temporaryDirectory("reuse")
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = tinyCache(root)
        let config = tinyConfig()
        #expect(try cache.finished(config) == nil)
        let first = try cache.run(config, label: "tiny")
        #expect(first.trainedNow)
        #expect(first.result.status == .completed)
        #expect(first.directory == cache.directory(for: config))
        let logURL = first.directory.appendingPathComponent("log.csv")
        let stamp = try FileManager.default.attributesOfItem(atPath: logURL.path)[.modificationDate] as! Date

        let second = try cache.run(config, label: "tiny again")
        #expect(!second.trainedNow)
        #expect(second.label == "tiny again")
        #expect(try FileManager.default.attributesOfItem(atPath: logURL.path)[.modificationDate] as! Date == stamp)
        #expect(second.log == first.log)

        // The parsed log and checkpoints.
        #expect(first.log.step == Array(0..<12))
        #expect(first.log.loss.count == 12 && first.log.loss.allSatisfy(\.isFinite))
        #expect(first.log.lr[3] == 3e-3)
        #expect(first.log.clipped.count == 12)
        #expect(first.checkpointSteps == [4, 8, 12])
        #expect(FileManager.default.fileExists(atPath: first.weightsURL(step: 8).path))
        #expect(try first.tensorStatistics() == nil)
        // A run directory opened directly.
        let opened = try CachedRun(directory: first.directory, label: "opened")
        #expect(opened.config == config && opened.result == first.result)
    }

    @Test func secondCallerWaitsForTheLock() throws {
        let root = temporaryDirectory("lock")
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = tinyCache(root)
        let config = tinyConfig(seed: 11)
        // Someone else (this test) holds the run's lock: run() must block until it is released.
        let held = try FileLock(url: cache.lockURL(for: config))
        let done = DispatchSemaphore(value: 0)
        let outcome = Box<Result<CachedRun, Error>?>(nil)
        Thread.detachNewThread {
            outcome.set(Result { try cache.run(config, label: "waiter") })
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 0.5) == .timedOut)
        #expect(outcome.get() == nil)
        #expect(!FileManager.default.fileExists(atPath: cache.directory(for: config).appendingPathComponent("result.json").path))
        held.unlock()
        #expect(done.wait(timeout: .now() + 60) == .success)
        let run = try #require(try outcome.get()?.get())
        #expect(run.trainedNow && run.result.status == .completed)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), "util-linux flock is not installed"))
    func waitsForAnotherProcessHoldingTheLock() throws {
        let root = temporaryDirectory("process-lock")
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = tinyCache(root)
        let config = tinyConfig(seed: 13)
        // Another process (flock(1)) holds the run's lock for 0.6 s, as a concurrent `make -j2` job would.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        let ready = root.appendingPathComponent("ready")
        holder.arguments = [cache.lockURL(for: config).path, "sh", "-c", "touch \(ready.path); sleep 0.6"]
        try holder.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: ready.path) && Date() < deadline { usleep(5000) }
        let start = Date()
        let run = try cache.run(config, label: "after the other process")
        #expect(Date().timeIntervalSince(start) > 0.3)
        #expect(run.trainedNow && run.result.status == .completed)
        holder.waitUntilExit()
        #expect(holder.terminationStatus == 0)
    }

    @Test func concurrentCallersTrainOnce() throws {
        let root = temporaryDirectory("concurrent")
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = tinyCache(root)
        let config = tinyConfig(steps: 16, seed: 12)
        let group = DispatchGroup()
        let results = Box<[Result<CachedRun, Error>]>([])
        for i in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                let r = Result { try cache.run(config, label: "thread \(i)") }
                results.update { $0.append(r) }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        let runs = try results.get().map { try $0.get() }
        #expect(runs.count == 2)
        #expect(runs.filter(\.trainedNow).count == 1)
        #expect(runs[0].log == runs[1].log)
        #expect(runs[0].log.count == 16)
    }

    @Test func runsTrainedInLanesAreTheRunsTrainedOneByOne() throws {
        let lanes = temporaryDirectory("lanes"), single = temporaryDirectory("single")
        defer { for root in [lanes, single] { try? FileManager.default.removeItem(at: root) } }
        let configs = (21...24).map { tinyConfig(steps: 16, seed: UInt64($0)) }
        // The first config twice: it trains once.
        let requests = (configs + [configs[0]]).map { RunRequest($0, label: "seed \($0.seed)") }
        try tinyCache(lanes).trainAll(requests, lanes: 3)
        try tinyCache(single).trainAll(requests, lanes: 1)
        for config in configs {
            let a = tinyCache(lanes).directory(for: config), b = tinyCache(single).directory(for: config)
            #expect(try tinyCache(lanes).finished(config) != nil)
            let files = try deterministicFiles(a)
            #expect(files.keys.contains("log.csv") && files.keys.contains { $0.hasSuffix("model.safetensors") })
            #expect(files == (try deterministicFiles(b)), "seed \(config.seed): lanes changed the run's bytes")
        }
        // Nothing left to train: a second call returns without touching the runs.
        try tinyCache(lanes).trainAll(requests, lanes: 3)
    }

    @Test func lanesComeFromTheEnvironmentAndAreValidated() throws {
        #expect(try RunCache.lanes(environment: [:]) == RunCache.defaultLanes)
        #expect(try RunCache.lanes(environment: ["SPIKELAB_LANES": "1"]) == 1)
        for bad in ["0", "-2", "two", "65"] {
            #expect { try RunCache.lanes(environment: ["SPIKELAB_LANES": bad]) } throws: { "\($0)".contains("SPIKELAB_LANES=\(bad)") }
        }
    }

    @Test func invalidConfigIsReportedWithTheLabel() throws {
        let root = temporaryDirectory("invalid")
        defer { try? FileManager.default.removeItem(at: root) }
        var config = tinyConfig()
        config.batchSize = 0
        #expect {
            try tinyCache(root).run(config, label: "broken")
        } throws: { "\($0)".contains("[broken]") && "\($0)".contains("batchSize") }
    }

    @Test func unknownCorpusIsAClearError() throws {
        var config = tinyConfig()
        config.data.corpus = "nowhere"
        #expect {
            try TrainingData.resolve(config, runDirectory: URL(fileURLWithPath: "/nonexistent/run"), log: false)
        } throws: { "\($0)".contains("unknown data corpus 'nowhere'") }
    }
}

/// A tiny lock-protected box for results handed across threads.
final class Box<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func update(_ f: (inout T) -> Void) { lock.lock(); f(&value); lock.unlock() }
}
