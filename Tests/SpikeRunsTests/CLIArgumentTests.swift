import Foundation
import Testing
import SpikeTestSupport

/// Bad arguments and bad files given to the debug `spikelab` end with a message and a non-zero
/// exit status, never a trap (issue 15: the CLI half of the fuzz test; the configs are fuzzed
/// in-process by StrictConfigTests).
struct CLIArgumentTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/spikelab")

    /// The exit status (nil: killed by a signal, i.e. a trap) and stderr.
    func run(_ arguments: [String]) throws -> (status: Int32?, stderr: String) {
        let (status, _, stderr) = try runCapturing(arguments)
        return (status, stderr)
    }

    func runCapturing(_ arguments: [String]) throws -> (status: Int32?, stdout: Data, stderr: String) {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = arguments
        let (out, err) = (Pipe(), Pipe())
        p.standardError = err
        p.standardOutput = out
        try p.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationReason == .exit ? p.terminationStatus : nil, stdout, text)
    }

    @Test func spikesListsTheDetectorsEventsOfARun() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else { return }
        let dir = temporaryDirectory("cli-spikes")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try quietTrainer(tinyConfig(steps: 30), in: dir).run()
        let (status, stdout, stderr) = try runCapturing(["spikes", "--json", dir.path])
        #expect(status == 0, "\(stderr)")
        let report = try JSONSerialization.jsonObject(with: stdout) as? [String: Any]
        #expect(report?["steps"] as? Int == 30 && report?["events"] is [Any])
    }

    @Test func badArgumentsAndFilesExitNonZeroWithAMessage() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else { return }
        let dir = temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ name: String, _ text: String) throws -> String {
            let url = dir.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        let model = #""model": {"vocabSize": 32, "dModel": 16, "nLayers": 1, "nHeads": 2, "contextLength": 8}"#
        let optimizer = #""optimizer": {"maxLR": 0.001, "minLR": 0.0001, "warmupSteps": 1, "totalSteps": 2, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weightDecay": 0}"#
        let typo = try file("typo.json", "{\(model), \(optimizer), \"batchSize\": 1, \"tensorStats\": true}")
        let negative = try file("negative.json", "{\(model), \(optimizer), \"batchSize\": 1, \"seed\": -1}")
        let huge = try file("huge.json", "{\(model.replacingOccurrences(of: "\"contextLength\": 8", with: "\"contextLength\": 1099511627776")), \(optimizer), \"batchSize\": 1}")
        let weights = try file("model.safetensors", "not a safetensors file")
        let cases: [([String], String)] = [
            (["no-such-command"], ""), (["train"], "--config"), (["train", "--bogus"], ""),
            (["train", "--config", dir.appendingPathComponent("missing.json").path], "missing.json"),
            (["train", "--config", typo, "--run-dir", dir.appendingPathComponent("r1").path], "did you mean \"tensorStatistics\""),
            (["train", "--config", negative, "--run-dir", dir.appendingPathComponent("r2").path], "seed: -1"),
            (["train", "--config", huge, "--run-dir", dir.appendingPathComponent("r3").path], "contextLength"),
            (["export", "--checkpoint", weights, "--out", dir.appendingPathComponent("hf").path], "not a valid safetensors file"),
            (["spikes"], "<runs>"),
            (["spikes", dir.appendingPathComponent("no-run").path], "no-run/config.json"),
        ]
        for (arguments, expected) in cases {
            let (status, stderr) = try run(arguments)
            #expect(status != nil && status != 0, "\(arguments): \(status.map { "exit \($0)" } ?? "killed by a signal")")
            #expect(!stderr.isEmpty && (expected.isEmpty || stderr.contains(expected)), "\(arguments): \(stderr)")
        }
    }
}
