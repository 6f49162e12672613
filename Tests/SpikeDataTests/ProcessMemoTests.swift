import Foundation
import Testing
@testable import SpikeData

@Suite struct ProcessMemoTests {
    struct Failure: Error {}

    /// One computation per key, also when many threads ask at once; keys stay apart; a throwing
    /// computation leaves nothing behind, so the next call computes again.
    @Test func computesOncePerKey() throws {
        let memo = ProcessMemo<Int>()
        let counter = NSLock()
        var made: [String: Int] = [:]
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let key = i % 2 == 0 ? "a" : "b"
            let value = memo.value(for: key) {
                counter.lock(); made[key, default: 0] += 1; counter.unlock()
                return key == "a" ? 1 : 2
            }
            #expect(value == (key == "a" ? 1 : 2))
        }
        #expect(made == ["a": 1, "b": 1])

        #expect(throws: Failure.self) { try memo.value(for: "c") { throw Failure() } }
        #expect(memo.value(for: "c") { 3 } == 3)
        #expect(memo.value(for: "c") { 4 } == 3)
    }
}
