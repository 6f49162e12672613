import Foundation
import Testing
import SpikeFigures

/// Issue 15, item 13: every figure executable takes --help and its settings as options (through
/// `FigureProgram.main`), with the environment variables as defaults.
struct FigureOptionsTests {
    @Test func helpPrintsUsageAndExitsZero() throws {
        let outcome = try #require(FigureOptions.apply(["--help"]))
        #expect(outcome.status == 0)
        for option in ["--scale", "--runs", "--figures", "--data"] { #expect(outcome.message.contains(option), "\(option)") }
    }

    @Test func badArgumentsExitNonZeroWithoutRunning() throws {
        for arguments in [["--bogus"], ["--scale", "huge"], ["--scale"], ["extra"]] {
            let outcome = try #require(FigureOptions.apply(arguments), "\(arguments) was accepted")
            #expect(outcome.status != 0, "\(arguments)")
        }
    }

    @Test func noArgumentsRunsWithTheEnvironment() {
        #expect(FigureOptions.apply([]) == nil)
        // The value make test already runs with, so parallel tests see no change.
        #expect(FigureOptions.apply(["--scale", "default"]) == nil)
        #expect(ProcessInfo.processInfo.environment["SCALE"] == "default")
    }

    /// The debug executable itself: --help exits 0 at once, an unknown option non-zero.
    @Test func theFigureExecutableAnswersHelp() throws {
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/lmc-fig4")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { return }
        for (arguments, zero) in [(["--help"], true), (["--no-such-option"], false)] {
            let p = Process()
            p.executableURL = binary
            p.arguments = arguments
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect((p.terminationStatus == 0) == zero, "\(arguments): exit \(p.terminationStatus)")
        }
    }
}
