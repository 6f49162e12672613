import Foundation
import Testing
@testable import SpikeKernels
import SpikeModel
import SpikeTraining

/// Run configs are decoded strictly (issue 15, item 6): unknown and duplicate keys, and numbers
/// that do not fit their field, are errors naming the JSON path.
struct StrictConfigTests {
    /// A valid config with every optional section, as the JSON text a user would write.
    static let valid: String = {
        let config = RunConfig(model: ModelConfig(vocabSize: 64, dModel: 16, nLayers: 1, nHeads: 2, contextLength: 8,
                                                  reparameterization: .wesar(sigma: 0.01)),
                               optimizer: OptimizerConfig(warmupSteps: 2, totalSteps: 10, clipNorm: 1, spam: SPAMConfig()),
                               initialization: .small, data: DataSpec(corpus: "synthetic"), batchSize: 2, seed: 3,
                               skipBatches: [BatchSkip(from: 2, count: 1)], rewind: Rewind(parent: "0123456789abcdef", step: 4))
        return String(decoding: config.canonicalJSON, as: UTF8.self)
    }()

    func message(_ json: String) -> String? {
        do { _ = try RunConfig.decode(Data(json.utf8)); return nil } catch { return "\(error)" }
    }

    /// `valid` with the first `"key" : value` occurrence replaced.
    func replacing(_ old: String, _ new: String) -> String {
        let range = Self.valid.range(of: old)!
        return Self.valid.replacingCharacters(in: range, with: new)
    }

    @Test func theValidConfigDecodesAndRoundTrips() throws {
        let config = try RunConfig.decode(Data(Self.valid.utf8))
        #expect(String(decoding: config.canonicalJSON, as: UTF8.self) == Self.valid)
    }

    @Test func theExampleConfigsDecode() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("experiments/configs")
        for name in ["example-synthetic.json", "example-webtext.json"] {
            _ = try RunConfig.load(from: directory.appendingPathComponent(name))
        }
    }

    @Test func unknownKeysNameThePathAndTheNearestKey() {
        let cases: [(String, String, String)] = [
            ("\"tiedEmbeddings\" : true", "\"tiedEmbedding\" : false", #"unknown key "tiedEmbedding" at model; did you mean "tiedEmbeddings"?"#),
            ("\"weightDecay\" : 0", "\"weight_decay\" : 5", #"unknown key "weight_decay" at optimizer; did you mean "weightDecay"?"#),
            ("\"tensorStatistics\" : false", "\"tensorStats\" : true", #"unknown key "tensorStats" at top level; did you mean "tensorStatistics"?"#),
            ("\"density\" : 1", "\"densty\" : 1", #"unknown key "densty" at optimizer.spam; did you mean "density"?"#),
            ("\"count\" : 1", "\"cnt\" : 1", #"unknown key "cnt" at skipBatches[0]"#),
            ("\"sigma\" : 0.01", "\"sigma\" : 0.01, \"gate\" : 1", #"unknown key "gate" at model.reparameterization.wesar"#),
            ("\"small\" : {", "\"smal\" : {", #"unknown key "smal" at initialization; did you mean "small"?"#),
            ("\"corpus\" : \"synthetic\"", "\"corpus\" : \"synthetic\", \"shuffle\" : 1", #"unknown key "shuffle" at data"#),
        ]
        for (old, new, expected) in cases {
            let m = message(replacing(old, new))
            #expect(m?.contains(expected) == true, "\(new): \(m ?? "accepted")")
        }
    }

    @Test func duplicateKeysAreRejected() {
        let m = message(replacing("\"batchSize\" : 2", "\"batchSize\" : 2, \"batchSize\" : 3"))
        #expect(m?.contains(#"duplicate key "batchSize" at top level"#) == true, "\(m ?? "accepted")")
        let nested = message(replacing("\"dModel\" : 16", "\"dModel\" : 16, \"dModel\" : 32"))
        #expect(nested?.contains(#"duplicate key "dModel" at model"#) == true, "\(nested ?? "accepted")")
    }

    @Test func numbersThatDoNotFitNameTheirField() {
        let cases: [(String, String, String)] = [
            ("\"seed\" : 3", "\"seed\" : -1", "seed: -1 is negative"),
            ("\"dModel\" : 16", "\"dModel\" : 32.5", "model.dModel: 32.5 is not a whole number"),
            ("\"maxLR\" : 0.001", "\"maxLR\" : 1e999", "number 1e999 at optimizer.maxLR is out of range"),
            ("\"ropeTheta\" : 10000", "\"ropeTheta\" : 1e39", "model.ropeTheta: 1e39 is too large"),
            ("\"batchSize\" : 2", "\"batchSize\" : \"2\"", "wrong type at batchSize"),
            ("\"batchSize\" : 2", "\"batchSize\" : 2,", "invalid JSON at line"),
            ("\"batchSize\" : 2", "\"batchSize\" : 0", "batchSize must be at least 1"),
        ]
        for (old, new, expected) in cases {
            #expect(Self.valid.contains(old), "\(old) not in the valid config")
            let m = message(replacing(old, new))
            #expect(m?.contains(expected) == true, "\(new): \(m ?? "accepted")")
            #expect(m?.contains("not valid JSON") != true)
        }
    }

    @Test func checkpointConfigMetadataIsStrictToo() {
        var file = SafetensorsFile()
        file.metadata["config"] = #"{"vocabSize": 64, "dModel": 16, "nLayers": 1, "nHeads": 2, "contextLength": 8, "tiedEmbedding": true}"#
        #expect { _ = try LlamaModel.config(in: file) } throws: { "\($0)".contains(#"did you mean "tiedEmbeddings"?"#) }
    }

    /// 200 seeded mutations of the valid config (wrong types, unknown keys, huge and negative
    /// sizes, NaN and infinities, missing fields, broken syntax) decode and validate without a trap:
    /// each is accepted or an `invalidConfig` error.
    @Test func fuzzedConfigsNeverTrap() throws {
        var random = RandomGenerator(seed: 15)
        let base = try StrictJSON.parse(Data(Self.valid.utf8))
        let replacements = ["-1", "0", "32.5", "1e999", "-1e400", "NaN", "Infinity", "1e39", "2e9", "1099511627776",
                            "9223372036854775807", "18446744073709551616", "\"x\"", "true", "null", "[]", "{}", "[1,2]"]
        var rejected = 0
        for _ in 0..<200 {
            var text = Self.fuzzSerialize(base, random: &random, replacements: replacements)
            if random.int(below: 10) == 0 { text.removeLast(random.int(below: text.count)) }   // cut short
            do { _ = try RunConfig.decode(Data(text.utf8)) } catch TrainingError.invalidConfig {
                rejected += 1
            }
        }
        #expect(rejected > 100)
    }

    /// `value` as JSON text, each member or element mutated with probability 1/12: replaced by
    /// one of `replacements`, dropped, or joined by an unknown key.
    static func fuzzSerialize(_ value: StrictJSON.Value, random: inout RandomGenerator, replacements: [String]) -> String {
        switch value {
        case .object(let members):
            var out: [String] = []
            for (key, member) in members {
                switch random.int(below: 36) {
                case 0, 1: out.append(jsonString(key) + ":" + replacements[random.int(below: replacements.count)])
                case 2: continue                                                      // missing field
                case 3: out.append(jsonString(key + "x") + ":1")                      // unknown key
                default: out.append(jsonString(key) + ":" + fuzzSerialize(member, random: &random, replacements: replacements))
                }
            }
            return "{" + out.joined(separator: ",") + "}"
        case .array(let elements):
            return "[" + elements.map { fuzzSerialize($0, random: &random, replacements: replacements) }.joined(separator: ",") + "]"
        case .string(let s): return jsonString(s)
        case .literal(let text): return text
        case .number(let text): return random.int(below: 8) == 0 ? replacements[random.int(below: 10)] : text
        }
    }
}
