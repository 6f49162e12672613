import Foundation

/// GPT-2's `bytes_to_unicode`: a reversible map from the 256 byte values to printable Unicode characters, used
/// to write byte-level tokens as strings in `tokenizer.json` (space 0x20 is `Ġ`, newline 0x0A is `Ċ`, ...).
public enum ByteLevelAlphabet {
    public static let byteToScalar: [Unicode.Scalar] = {
        var bs: [Int] = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var cs = bs
        var n = 0
        for b in 0..<256 where !bs.contains(b) {
            bs.append(b)
            cs.append(256 + n)
            n += 1
        }
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        for (b, c) in zip(bs, cs) { table[b] = Unicode.Scalar(UInt32(c))! }
        return table
    }()

    public static let scalarToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s.value] = UInt8(b) }
        return map
    }()

    /// The byte-level string of a byte sequence.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }

    /// The bytes of a byte-level string, or nil if it holds a character outside the alphabet.
    public static func decode(_ string: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(string.unicodeScalars.count)
        for s in string.unicodeScalars {
            guard let b = scalarToByte[s.value] else { return nil }
            out.append(b)
        }
        return out
    }
}

/// An open-addressing hash map from `UInt64` keys to dense `Int32` indices (insert and look-up only).
/// Used for pair tables in BPE training and encoding; much faster than `Dictionary` for this job.
struct PairIndexMap {
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0
    private static let empty = UInt64.max

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always) private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: StableHash.mix(key)) & mask
    }

    func find(_ key: UInt64) -> Int32? {
        var i = Self.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == Self.empty { return nil }
            i = (i + 1) & mask
        }
    }

    /// Returns the index for `key`, inserting `newValue()` when absent.
    @inline(__always)
    mutating func findOrInsert(_ key: UInt64, _ newValue: () -> Int32) -> (value: Int32, inserted: Bool) {
        var i = Self.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return (values[i], false) }
            if k == Self.empty { break }
            i = (i + 1) & mask
        }
        let v = newValue()
        keys[i] = key
        values[i] = v
        count += 1
        if count * 2 > keys.count { grow() }
        return (v, true)
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let size = keys.count * 2
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (k, v) in zip(oldKeys, oldValues) where k != Self.empty {
            var i = Self.slot(k, mask)
            while keys[i] != Self.empty { i = (i + 1) & mask }
            keys[i] = k
            values[i] = v
        }
    }
}

@inline(__always) func pairKey(_ a: Int32, _ b: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
}

/// Interns byte strings: maps each distinct byte string to a dense index. Bytes live in one arena.
struct ByteStringTable {
    private(set) var arena: [UInt8] = []
    private(set) var starts: [Int] = []
    private(set) var lengths: [Int32] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 4096) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { starts.count }

    @inline(__always) static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325 ^ UInt64(p.count)
        var i = 0
        let n = p.count
        if let base = p.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                h = (h ^ w) &* 0x100000001b3
                h ^= h >> 29
                i += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n { tail |= UInt64(base[i]) << shift; shift += 8; i += 1 }
            h = (h ^ tail) &* 0x100000001b3
        }
        return StableHash.mix(h)
    }

    func withBytes<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try arena.withUnsafeBufferPointer { a in
            try body(UnsafeBufferPointer(rebasing: a[starts[index]..<(starts[index] + Int(lengths[index]))]))
        }
    }

    func array(_ index: Int) -> [UInt8] { Array(arena[starts[index]..<(starts[index] + Int(lengths[index]))]) }

    func find(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        find(p, hash: Self.hash(p))
    }

    func find(_ p: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int? { probe(p, hash: h).index }

    /// Linear probing from `h`: the slot holding `p` (with its index) or the empty slot where it goes.
    @inline(__always)
    private func probe(_ p: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> (slot: Int, index: Int?) {
        var i = Int(truncatingIfNeeded: h) & mask
        return arena.withUnsafeBufferPointer { a -> (slot: Int, index: Int?) in
            while true {
                let e = slots[i]
                if e < 0 { return (i, nil) }
                let ei = Int(e)
                if hashes[ei] == h && Int(lengths[ei]) == p.count {
                    if p.count == 0 || memcmp(a.baseAddress! + starts[ei], p.baseAddress!, p.count) == 0 { return (i, ei) }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Index of `p`, adding it when new.
    @inline(__always)
    mutating func intern(_ p: UnsafeBufferPointer<UInt8>) -> (index: Int, inserted: Bool) {
        let h = Self.hash(p)
        let (i, found) = probe(p, hash: h)
        if let found { return (found, false) }
        let index = starts.count
        starts.append(arena.count)
        lengths.append(Int32(p.count))
        hashes.append(h)
        arena.append(contentsOf: p)
        slots[i] = Int32(index)
        if starts.count * 2 > slots.count { grow() }
        return (index, true)
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (index, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(index)
        }
    }
}
