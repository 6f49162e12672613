import Foundation

/// Reading and writing Hugging Face `tokenizers`' `tokenizer.json` (byte-level BPE, as for GPT-2).
///
/// Written: `model` = BPE (vocab as byte-level strings via GPT-2's `bytes_to_unicode`, merges as `"A B"`
/// strings in rank order, no unk token, `ignore_merges: false`), `pre_tokenizer` = ByteLevel
/// (`add_prefix_space: false`, `use_regex: true`), `decoder` = ByteLevel, `post_processor` = ByteLevel
/// (`trim_offsets: false`, a no-op for ids), `<|endoftext|>` in `added_tokens` (special) and in the vocab.
/// The output is deterministic (vocab in id order), so the same tokenizer always gives the same file.
extension BPETokenizer {
    public func huggingFaceJSON() -> String {
        var out = "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [\n"
        out += "    {\"id\": \(endOfTextId), \"content\": \(JSONWriter.quoted(Self.endOfText)), \"single_word\": false, "
            + "\"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}\n  ],\n"
        out += "  \"normalizer\": null,\n"
        out += "  \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true},\n"
        out += "  \"post_processor\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": true},\n"
        out += "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true},\n"
        out += "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n"
        out += "    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n"
        out += "    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n    \"vocab\": {\n"
        for id in 0..<vocabularySize {
            out += "      "
            JSONWriter.appendString(tokenString(Int32(id)), to: &out)
            out += ": \(id)"
            out += id + 1 < vocabularySize ? ",\n" : "\n"
        }
        out += "    },\n    \"merges\": [\n"
        for (rank, m) in merges.enumerated() {
            out += "      "
            JSONWriter.appendString(tokenString(m.left) + " " + tokenString(m.right), to: &out)
            out += rank + 1 < merges.count ? ",\n" : "\n"
        }
        out += "    ]\n  }\n}\n"
        return out
    }

    /// Writes `tokenizer.json` atomically.
    public func save(to url: URL) throws {
        try AtomicWrite.write(Data(huggingFaceJSON().utf8), to: url)
    }

    /// Loads a byte-level BPE `tokenizer.json` (ours, or e.g. GPT-2's). Requires an `<|endoftext|>` token.
    public static func load(from url: URL) throws -> BPETokenizer {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(kind: .io, path: url.path, problem: "cannot read (\(error.localizedDescription))",
                            expected: "a tokenizer.json file", fix: "check the path")
        }
        return try load(json: [UInt8](data), path: url.path)
    }

    public static func load(json bytes: [UInt8], path: String = "tokenizer.json") throws -> BPETokenizer {
        func bad(_ problem: String) -> DataError {
            DataError(kind: .invalidTokenizer, path: path, problem: problem,
                      expected: "a Hugging Face tokenizer.json with a byte-level BPE model and <|endoftext|>",
                      fix: "delete the file to retrain (cache), or pass a byte-level BPE tokenizer")
        }
        let root: JSONValue
        do {
            if let badByte = bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) {
                throw bad("invalid UTF-8 at byte \(badByte + 1)")
            }
            root = try JSONParser.parse(bytes)
        } catch let e as JSONParseError {
            throw bad(e.description)
        }
        guard let model = root["model"], model["type"]?.stringValue == "BPE" else { throw bad("model.type is not BPE") }
        if let pre = root["pre_tokenizer"], pre != .null {
            guard pre["type"]?.stringValue == "ByteLevel" else { throw bad("pre_tokenizer is not ByteLevel") }
            if pre["add_prefix_space"]?.boolValue == true { throw bad("add_prefix_space = true is not supported") }
        }
        if model["ignore_merges"]?.boolValue == true { throw bad("ignore_merges = true is not supported") }
        guard let vocab = model["vocab"]?.objectValue else { throw bad("model.vocab missing") }
        var maxId = -1
        var entries: [(String, Int)] = []
        entries.reserveCapacity(vocab.count)
        for (token, value) in vocab {
            guard let id = value.intValue, id >= 0, id < 1 << 24 else { throw bad("vocab id of \(token) is not a small non-negative integer") }
            entries.append((token, id))
            maxId = max(maxId, id)
        }
        var special: [String: Int] = [:]
        for t in root["added_tokens"]?.arrayValue ?? [] {
            guard let content = t["content"]?.stringValue, let id = t["id"]?.intValue, id >= 0, id < 1 << 24 else { throw bad("bad added_tokens entry") }
            special[content] = id
            maxId = max(maxId, id)
        }
        guard let eot = special[endOfText] ?? vocab[endOfText]?.intValue else { throw bad("no <|endoftext|> token") }
        var tokenBytes = [[UInt8]?](repeating: nil, count: maxId + 1)
        var idOfBytes: [[UInt8]: Int32] = [:]
        for (token, id) in entries where id != eot && special[token] == nil {
            guard let b = ByteLevelAlphabet.decode(token) else { throw bad("vocab entry \(JSONWriter.quoted(token)) is not a byte-level string") }
            if tokenBytes[id] != nil { throw bad("id \(id) used twice") }
            tokenBytes[id] = b
            idOfBytes[b] = Int32(id)
        }
        tokenBytes[eot] = Array(endOfText.utf8)
        var byteIds = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            guard let id = idOfBytes[[UInt8(b)]] else { throw bad("byte \(b) has no token") }
            byteIds[b] = id
        }
        var idOfString: [String: Int32] = [:]
        for (token, id) in entries { idOfString[token] = Int32(id) }
        var merges: [(left: Int32, right: Int32, merged: Int32)] = []
        for m in model["merges"]?.arrayValue ?? [] {
            let parts: [String]
            if let s = m.stringValue {
                parts = s.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else if let a = m.arrayValue {
                parts = a.compactMap(\.stringValue)
            } else { throw bad("bad merge entry") }
            guard parts.count == 2, let l = idOfString[parts[0]], let r = idOfString[parts[1]],
                  let merged = idOfString[parts[0] + parts[1]] else { throw bad("merge \(parts) refers to unknown tokens") }
            merges.append((l, r, merged))
        }
        // Ids absent from the file (holes) decode to nothing.
        return BPETokenizer(tokenBytes: tokenBytes.map { $0 ?? [] }, byteIds: byteIds, merges: merges, endOfTextId: Int32(eot))
    }
}
