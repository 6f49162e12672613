import Foundation
import Testing
import SpikeKernels
import SpikeRuns
import SpikeTestSupport
import SpikeTraining

/// Issue 15, item 12: a damaged checkpoint is a checkpoint error naming the file, never a run that
/// "diverges". Checkpoints carry a checksum of their tensor bytes; non-finite values are refused.
struct CheckpointDamageTests {
    /// A run stopped after 8 of 12 updates (checkpoints at 4 and 8).
    func interruptedRun(_ name: String) throws -> (URL, RunConfig) {
        let dir = temporaryDirectory(name)
        let config = tinyConfig()
        try quietTrainer(config, in: dir).run(stopAfter: 8)
        return (dir, config)
    }

    func flipLastByte(_ url: URL) throws {
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 1] ^= 0x01
        try bytes.write(to: url)
    }

    func resumeError(_ dir: URL, _ config: RunConfig) -> String? {
        do { let r = try quietTrainer(config, in: dir).run(); return "ended \(r.status)" } catch TrainingError.checkpoint(let m) {
            return m
        } catch { return "other error: \(error)" }
    }

    @Test(arguments: ["model.safetensors", "optimizer.safetensors"])
    func aFlippedBitIsACheckpointErrorNamingTheFile(file: String) throws {
        let (dir, config) = try interruptedRun("flip")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = CheckpointStore(runDirectory: dir).url(step: 8).appendingPathComponent(file)
        try flipLastByte(url)
        let m = resumeError(dir, config)
        #expect(m?.contains(url.path) == true && m?.contains("checksum") == true, "\(m ?? "nil")")
        #expect(RunResult.read(in: dir) == nil)
    }

    @Test func nonFiniteWeightsAreACheckpointError() throws {
        let (dir, config) = try interruptedRun("nan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = CheckpointStore(runDirectory: dir).weightsURL(step: 8)
        var file = try SafetensorsFile(contentsOf: url)
        var rewritten = SafetensorsFile()
        for name in file.order {
            var values = try file.floats(name)
            if name == file.order.first { values[0] = .nan }
            rewritten.add(name, shape: file.entries[name]!.shape, floats: values)
        }
        file.metadata[TensorChecksum.metadataKey] = nil
        rewritten.metadata = file.metadata
        try rewritten.write(to: url)                                  // a valid checksum over a NaN
        let m = resumeError(dir, config)
        #expect(m?.contains(url.path) == true && m?.contains("non-finite") == true, "\(m ?? "nil")")
    }

    @Test func anImpossibleCounterIsACheckpointErrorNamingTheFile() throws {
        let (dir, config) = try interruptedRun("counter")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = CheckpointStore(runDirectory: dir).optimizerURL(step: 8)
        var state = try SafetensorsFile(contentsOf: url)
        state.metadata["adam_step"] = "-5"
        try state.write(to: url)
        let m = resumeError(dir, config)
        #expect(m?.contains(url.path) == true && m?.contains("adam_step") == true, "\(m ?? "nil")")
        #expect(RunResult.read(in: dir) == nil)
    }

    @Test func filesWithoutAChecksumStillLoad() throws {
        let header = Array(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
        var bytes = Data()
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        withUnsafeBytes(of: Float(1.5)) { bytes.append(contentsOf: $0) }
        #expect(try SafetensorsFile(data: bytes).floats("a") == [1.5])
        // And a written file records and verifies one.
        var file = SafetensorsFile()
        file.add("a", shape: [2], floats: [1, 2])
        let data = file.serialized()
        #expect(try SafetensorsFile(data: data).metadata[TensorChecksum.metadataKey] == TensorChecksum.of(Data([0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])))
    }
}
