import Foundation
import Testing
@testable import SpikeData

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func streamingEqualsOneShot() {
        var rng = SplitMix(seed: 7)
        let bytes = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let oneShot = SHA256.hex(bytes)
        for split in [0, 1, 63, 64, 65, 500, 999] {
            var h = SHA256()
            h.update(Array(bytes[..<split]))
            h.update(Array(bytes[split...]))
            #expect(SHA256.hexString(h.finalize()) == oneShot)
        }
    }

    @Test func fileDigestMatchesInMemory() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let url = try tmp.write("blob.bin", bytes)
        #expect(try SHA256.hex(fileAt: url) == SHA256.hex(bytes))
    }
}

@Suite struct JSONTests {
    @Test func parsesValues() throws {
        let v = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null], "b": "x\"y\\z\/\n\t\u00e9\ud83d\ude00", "c": {}} "#)
        #expect(v["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(v["b"]?.stringValue == "x\"y\\z/\n\té😀")
        #expect(v["c"] == .object([:]))
    }

    @Test func rejectsBadInput() {
        for bad in ["", "{", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "\"abc", "\"\\ud800\"", "\"\\udc00x\"", "01", "1.", "tru",
                    "{\"a\":1} x", "\"tab\there\"", "\"\\q\""] {
            #expect(throws: JSONParseError.self, "\(bad)") { _ = try JSONParser.parse(bad) }
        }
    }

    @Test func writerRoundTrips() throws {
        var rng = SplitMix(seed: 3)
        for _ in 0..<200 {
            let s = randomUnicodeString(&rng)
            #expect(try JSONParser.parse(JSONWriter.quoted(s)).stringValue == s)
        }
    }

    @Test func utf8Validation() {
        func check(_ bytes: [UInt8]) -> Int? { bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) } }
        #expect(check(Array("héllo 😀".utf8)) == nil)
        #expect(check([0x61, 0xFF]) == 1)
        #expect(check([0xC0, 0x80]) == 0)              // overlong
        #expect(check([0xED, 0xA0, 0x80]) == 0)        // surrogate
        #expect(check([0xF4, 0x90, 0x80, 0x80]) == 0)  // > U+10FFFF
        #expect(check([0x61, 0xE2, 0x82]) == 1)        // truncated
    }
}
