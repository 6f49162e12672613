import Foundation
import Testing
import SpikeData
import SpikeKernels

/// SpikeKernels' `jsonString` and SpikeData's `JSONWriter` are two copies of one escaper (SpikeData
/// depends on no module); this target sees both, so it keeps them byte-identical.
@Suite struct JSONEscapingTests {
    @Test func escapesAsRFC8259() {
        #expect(jsonString("a\"b\\c/\u{08}\u{0C}\n\r\t\u{01}\u{1F}\u{7F}é😀")
                == "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001f\u{7F}é😀\"")
    }

    @Test func bothCopiesAgreeAndRoundTrip() throws {
        let scalars = (0..<0x800).compactMap(Unicode.Scalar.init) + ["\u{FFFD}", "\u{1F600}", "\u{10FFFF}"]
        for scalar in scalars {
            let s = "x" + String(Character(scalar)) + "y"
            #expect(jsonString(s) == JSONWriter.quoted(s), "U+\(String(scalar.value, radix: 16))")
            #expect(try JSONParser.parse([UInt8](jsonString(s).utf8)) == .string(s), "U+\(String(scalar.value, radix: 16))")
        }
    }
}
