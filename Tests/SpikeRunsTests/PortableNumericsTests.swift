import Foundation
import Testing
import SpikeKernels
import SpikeTestSupport
@testable import SpikeRuns
import SpikeTraining

/// The same run under every OpenBLAS kernel family this CPU can load gives the same bytes: the
/// portable numerics choose the family themselves (`Numerics.selectKernels`). Runs the `spikelab`
/// executable that `swift build --build-tests` puts beside the test bundle, once per family.
@Suite struct PortableNumericsTests {
    static let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("spikelab")

    /// The families of this OpenBLAS build that this CPU can run.
    static var families: [String] {
        let flags = Blas.cpuFlags()
        var families = ["Haswell", "Zen"]
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { families.append("SkylakeX") }
        if flags.contains("avx512_bf16") { families.append("Cooperlake") }
        return families
    }

    func train(_ config: URL, in directory: URL, environment extra: [String: String]) throws -> Int32 {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["train", "--config", config.path, "--run-dir", directory.path, "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: Numerics.environmentVariable)
        for (k, v) in extra { environment[k] = v }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func everyKernelFamilyGivesTheSameBytes() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path), "build the executables first (swift build --build-tests)")
        let root = temporaryDirectory("families")
        defer { try? FileManager.default.removeItem(at: root) }
        var config = tinyConfig(steps: 6)
        config.checkpointEvery = 3
        let configURL = root.appendingPathComponent("config.json")
        try config.canonicalJSON.write(to: configURL)
        var files: [String: [String: Data]] = [:]
        for family in Self.families {
            let directory = root.appendingPathComponent(family)
            #expect(try train(configURL, in: directory, environment: ["OPENBLAS_CORETYPE": family]) == 0, "\(family)")
            files[family] = try deterministicFiles(directory)
            #expect(RunResult.read(in: directory)?.numerics?.blasCore == Numerics.portableCoreType, "\(family)")
        }
        let reference = try #require(files["Haswell"])
        #expect(reference["log.csv"] != nil && reference["checkpoints/step_000006/model.safetensors"] != nil)
        for (family, own) in files { #expect(own == reference, "\(family): the run's files differ from Haswell's") }
    }

    /// The opt-in native mode keeps the family it is given, and says so.
    @Test func nativeModeKeepsTheFamilyAndRecordsIt() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let root = temporaryDirectory("native")
        defer { try? FileManager.default.removeItem(at: root) }
        let configURL = root.appendingPathComponent("config.json")
        try tinyConfig(steps: 4).canonicalJSON.write(to: configURL)
        let directory = root.appendingPathComponent("run")
        #expect(try train(configURL, in: directory, environment: ["OPENBLAS_CORETYPE": "Zen", "SPIKELAB_NUMERICS": "native"]) == 0)
        let numerics = try #require(RunResult.read(in: directory)?.numerics)
        #expect(numerics.mode == .native && numerics.blasCore == "Zen")
    }
}
