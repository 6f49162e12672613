import Foundation

/// A checksum of a safetensors file's tensor bytes (weights, optimiser state), kept in its
/// `__metadata__` as `tensor_checksum`, so a flipped bit is a checkpoint error on load rather than
/// a run that "diverges". FNV-1a over 64-bit little-endian words (the tail zero-padded), then the
/// byte count: each word step is a bijection of the state, so any change within one word is
/// always detected. Not a cryptographic hash; it guards against damage, not against an attacker.
public enum TensorChecksum {
    public static let metadataKey = "tensor_checksum"

    public static func of(_ bytes: UnsafeRawBufferPointer) -> String {
        let prime: UInt64 = 0x0000_0100_0000_01B3
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        let words = bytes.count / 8
        for i in 0..<words { h = (h ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) &* prime }
        var tail: UInt64 = 0
        for i in (8 * words)..<bytes.count { tail |= UInt64(bytes[i]) << UInt64(8 * (i - 8 * words)) }
        h = (h ^ tail) &* prime
        h = (h ^ UInt64(bytes.count)) &* prime
        return "fnv1a64:" + String(h, radix: 16)
    }

    public static func of(_ data: Data) -> String { data.withUnsafeBytes { of($0) } }
}
