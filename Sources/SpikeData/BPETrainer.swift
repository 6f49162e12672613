import Dispatch
import Foundation

/// Trains a byte-level BPE tokenizer.
///
/// Algorithm (version `algorithmVersion`):
/// 1. Pre-tokenise every document (`GPT2PreTokenizer`, in parallel) and count distinct pieces ("words").
/// 2. Count adjacent symbol pairs over the words, weighted by word count, and index which words hold each pair.
/// 3. Repeatedly take the pair with the highest count; ties go to the lexicographically smallest
///    (left id, right id). Merge it in every word that holds it (left to right, non-overlapping), updating pair
///    counts incrementally from the changed words only. A max-heap with lazy invalidation finds the best pair.
///    A pair whose merged bytes already exist as a token (possible: "a"+"bc" and "ab"+"c") is never merged,
///    so every token id has distinct bytes and every merge makes a new id (`256 + rank`).
/// 4. Stop when the vocabulary (256 bytes + merges + `<|endoftext|>`) reaches `vocabularySize`, or when no
///    pair is left (tiny corpora).
///
/// The result depends only on the multiset of pieces, so it is independent of document order within the
/// training set, of the thread count and of hash seeds.
public enum BPETrainer {
    public static let algorithmVersion = 1

    public struct Statistics: Sendable, Codable {
        public var documents: Int
        public var pieces: Int
        public var distinctPieces: Int
        public var merges: Int
        public var countingSeconds: Double
        public var mergingSeconds: Double
    }

    public static func train(documents: [String], vocabularySize: Int = 4096, workers: Int? = nil) -> BPETokenizer {
        trainWithStatistics(documents: documents, vocabularySize: vocabularySize, workers: workers).tokenizer
    }

    public static func trainWithStatistics(documents: [String], vocabularySize: Int = 4096, workers: Int? = nil) -> (tokenizer: BPETokenizer, statistics: Statistics) {
        precondition(vocabularySize >= 257, "vocabulary must hold the 256 bytes and <|endoftext|>")
        let t0 = DispatchTime.now().uptimeNanoseconds
        let (table, counts, totalPieces) = countPieces(documents, workers: workers)
        let t1 = DispatchTime.now().uptimeNanoseconds
        let merges = learnMerges(table: table, counts: counts, maxMerges: vocabularySize - 257)
        let t2 = DispatchTime.now().uptimeNanoseconds
        var tokenBytes: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        for m in merges { tokenBytes.append(tokenBytes[Int(m.left)] + tokenBytes[Int(m.right)]) }
        let eot = Int32(tokenBytes.count)
        tokenBytes.append(Array(BPETokenizer.endOfText.utf8))
        let tokenizer = BPETokenizer(tokenBytes: tokenBytes, byteIds: (0..<256).map { Int32($0) }, merges: merges, endOfTextId: eot)
        let stats = Statistics(documents: documents.count, pieces: totalPieces, distinctPieces: table.count, merges: merges.count,
                               countingSeconds: Double(t1 - t0) / 1e9, mergingSeconds: Double(t2 - t1) / 1e9)
        return (tokenizer, stats)
    }

    /// Distinct pieces with their counts, counted in parallel over contiguous blocks of documents.
    static func countPieces(_ documents: [String], workers: Int?) -> (ByteStringTable, [Int], Int) {
        let n = documents.count
        let threads = max(1, min(workers ?? ProcessInfo.processInfo.activeProcessorCount, max(1, n)))
        var partial = [(ByteStringTable, [Int], Int)?](repeating: nil, count: threads)
        partial.withUnsafeMutableBufferPointer { out in
            let out = out
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                var table = ByteStringTable(capacity: 1 << 16)
                var counts: [Int] = []
                var total = 0
                for i in (n * t / threads)..<(n * (t + 1) / threads) {
                    var s = documents[i]
                    s.withUTF8 { b in
                        GPT2PreTokenizer.forEachPiece(b) { s, e in
                            let (index, inserted) = table.intern(UnsafeBufferPointer(rebasing: b[s..<e]))
                            if inserted { counts.append(1) } else { counts[index] += 1 }
                            total += 1
                        }
                    }
                }
                out[t] = (table, counts, total)
            }
        }
        var (table, counts, total) = partial[0]!
        for t in 1..<threads {
            let (other, otherCounts, otherTotal) = partial[t]!
            total += otherTotal
            for i in 0..<other.count {
                other.withBytes(i) { b in
                    let (index, inserted) = table.intern(b)
                    if inserted { counts.append(otherCounts[i]) } else { counts[index] += otherCounts[i] }
                }
            }
        }
        return (table, counts, total)
    }

    struct HeapEntry {
        var count: Int
        var key: UInt64
        var pair: Int32
        /// Strict "comes first": higher count, then smaller (left, right).
        @inline(__always) func before(_ o: HeapEntry) -> Bool { count > o.count || (count == o.count && key < o.key) }
    }

    struct Heap {
        var items: [HeapEntry] = []
        mutating func push(_ e: HeapEntry) {
            items.append(e)
            var i = items.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if items[i].before(items[p]) { items.swapAt(i, p); i = p } else { break }
            }
        }
        mutating func pop() -> HeapEntry? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                siftDown(0)
            }
            return top
        }
        mutating func siftDown(_ start: Int) {
            var i = start
            let n = items.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < n && items[l].before(items[best]) { best = l }
                if r < n && items[r].before(items[best]) { best = r }
                if best == i { return }
                items.swapAt(i, best)
                i = best
            }
        }
        mutating func heapify() {
            if items.count < 2 { return }
            for i in stride(from: items.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        }
    }

    static func learnMerges(table: ByteStringTable, counts: [Int], maxMerges: Int) -> [(left: Int32, right: Int32, merged: Int32)] {
        let wordCount = table.count
        // Words as symbol runs in one arena; merging shrinks a word in place.
        var symbols: [Int32] = []
        var wordStart = [Int](repeating: 0, count: wordCount)
        var wordLength = [Int](repeating: 0, count: wordCount)
        for w in 0..<wordCount {
            wordStart[w] = symbols.count
            table.withBytes(w) { b in for x in b { symbols.append(Int32(x)) } }
            wordLength[w] = symbols.count - wordStart[w]
        }

        var pairIndex = PairIndexMap(capacity: 1 << 16)
        var pairKeys: [UInt64] = []
        var pairCount: [Int] = []
        var pairWords: [[Int32]] = []
        var pairStamp: [Int] = []
        @inline(__always) func index(of key: UInt64) -> Int {
            let (i, inserted) = pairIndex.findOrInsert(key) { Int32(pairKeys.count) }
            if inserted {
                pairKeys.append(key); pairCount.append(0); pairWords.append([]); pairStamp.append(-1)
            }
            return Int(i)
        }

        for w in 0..<wordCount where wordLength[w] >= 2 {
            let c = counts[w]
            let s = wordStart[w]
            for k in s..<(s + wordLength[w] - 1) {
                let p = index(of: pairKey(symbols[k], symbols[k + 1]))
                pairCount[p] += c
                if pairStamp[p] != w { pairStamp[p] = w; pairWords[p].append(Int32(w)) }
            }
        }

        var heap = Heap()
        heap.items.reserveCapacity(pairKeys.count)
        for p in 0..<pairKeys.count where pairCount[p] > 0 {
            heap.items.append(HeapEntry(count: pairCount[p], key: pairKeys[p], pair: Int32(p)))
        }
        heap.heapify()
        for p in 0..<pairStamp.count { pairStamp[p] = -1 }

        var tokenBytes: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        var existing = Set<[UInt8]>(tokenBytes)
        var forbidden = Set<Int32>()
        var merges: [(left: Int32, right: Int32, merged: Int32)] = []
        var wordStamp = [Int](repeating: -1, count: wordCount)
        var touched: [Int] = []

        while merges.count < maxMerges, let top = heap.pop() {
            let p = Int(top.pair)
            let current = pairCount[p]
            if current != top.count {
                if current > 0 { heap.push(HeapEntry(count: current, key: top.key, pair: top.pair)) }
                continue
            }
            if current <= 0 || forbidden.contains(top.pair) { continue }
            let left = Int32(truncatingIfNeeded: top.key >> 32), right = Int32(truncatingIfNeeded: top.key & 0xFFFF_FFFF)
            let bytes = tokenBytes[Int(left)] + tokenBytes[Int(right)]
            if existing.contains(bytes) { forbidden.insert(top.pair); continue }
            let newId = Int32(tokenBytes.count)
            tokenBytes.append(bytes)
            existing.insert(bytes)
            let step = merges.count
            merges.append((left, right, newId))

            let holders = pairWords[p]
            pairWords[p] = []
            touched.removeAll(keepingCapacity: true)
            for w32 in holders {
                let w = Int(w32)
                if wordStamp[w] == step { continue }
                wordStamp[w] = step
                let s = wordStart[w], len = wordLength[w]
                var found = false
                var k = s
                while k + 1 < s + len {
                    if symbols[k] == left && symbols[k + 1] == right { found = true; break }
                    k += 1
                }
                if !found { continue }
                let c = counts[w]
                for k in s..<(s + len - 1) {
                    pairCount[index(of: pairKey(symbols[k], symbols[k + 1]))] -= c
                }
                var r = s, out = s
                while r < s + len {
                    if r + 1 < s + len && symbols[r] == left && symbols[r + 1] == right {
                        symbols[out] = newId
                        r += 2
                    } else {
                        symbols[out] = symbols[r]
                        r += 1
                    }
                    out += 1
                }
                let newLen = out - s
                wordLength[w] = newLen
                if newLen < 2 { continue }
                for k in s..<(s + newLen - 1) {
                    let a = symbols[k], b = symbols[k + 1]
                    let q = index(of: pairKey(a, b))
                    pairCount[q] += c
                    if a == newId || b == newId {
                        // Index the word under the new pair (once per merge step) and queue the pair for the heap.
                        if pairStamp[q] != step {
                            pairStamp[q] = step
                            touched.append(q)
                        }
                        if pairWords[q].last != w32 { pairWords[q].append(w32) }
                    }
                }
            }
            for q in touched where pairCount[q] > 0 {
                heap.push(HeapEntry(count: pairCount[q], key: pairKeys[q], pair: Int32(q)))
            }
        }
        return merges
    }
}
