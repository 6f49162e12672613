import Foundation
import Testing
import SpikeKernels
@testable import SpikeFigures

/// Issue 15's fuzz of argument lists: 200 seeded random argument lists through the figure
/// executables' parser. Each either parses (with a valid scale) or is a parse error with a message;
/// none traps. (Parsing only: `FigureOptions.apply` would also export the environment.)
@Suite struct FigureOptionsFuzzTests {
    @Test func randomArgumentListsNeverTrap() {
        let words = ["--scale", "--runs", "--figures", "--data", "--help", "-h", "ci", "default", "large", "huge", "", "--", "-",
                     "--scale=ci", "--scale=", "--runs=/tmp/x", "--unknown", "-x", "\u{0}", "é", String(repeating: "a", count: 5000),
                     "--scale=large", "1e999", "-1", "--figures=../f", "--data", "=", "--scale=ci=ci"]
        var rng = RandomGenerator(seed: 15)
        var parsed = 0, rejected = 0
        for _ in 0..<200 {
            let arguments = (0..<rng.int(below: 6)).map { _ in words[rng.int(below: words.count)] }
            do {
                let options = try FigureOptions.parse(arguments)
                if let scale = options.scale { #expect(["ci", "default", "large"].contains(scale), "\(arguments)") }
                parsed += 1
            } catch {
                #expect(!FigureOptions.fullMessage(for: error).isEmpty, "\(arguments)")
                rejected += 1
            }
        }
        #expect(parsed > 10 && rejected > 10, "parsed \(parsed), rejected \(rejected)")
    }
}
