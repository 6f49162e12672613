import Foundation
import SpikeKernels
import SpikeModel
import SpikeTraining

/// Flat parameter vectors of several checkpoints of one run, each in the model's `ParameterLayout`
/// order (one FloatBuffer of `layout.count` floats per step): the input of the mode-connectivity
/// and distance analyses. Holds every vector in memory (4 bytes x parameters x checkpoints).
public final class CheckpointSet {
    public let layout: ParameterLayout
    /// Steps, ascending.
    public let steps: [Int]
    public let parameters: [Int: FloatBuffer]

    /// Vectors already in memory; every buffer must hold `layout.count` floats.
    public init(layout: ParameterLayout, parameters: [Int: FloatBuffer]) throws {
        for (step, buffer) in parameters where buffer.count != layout.count {
            throw EvaluationError("checkpoint \(step) has \(buffer.count) parameters; the layout has \(layout.count)")
        }
        self.layout = layout
        self.parameters = parameters
        steps = parameters.keys.sorted()
    }

    /// Reads `checkpoints/step_NNNNNN/model.safetensors` of the run at `runDirectory` for `steps`
    /// (default: every complete checkpoint). A checkpoint whose embedded model config differs from
    /// `config` is an error.
    public convenience init(runDirectory: URL, config: ModelConfig, steps: [Int]? = nil) throws {
        let store = CheckpointStore(runDirectory: runDirectory)
        let available = store.steps()
        let wanted = steps ?? available
        if let missing = wanted.first(where: { !available.contains($0) }) {
            throw EvaluationError("run \(runDirectory.path) has no checkpoint for step \(missing) (has \(available))")
        }
        let layout = ParameterLayout(config)
        var parameters: [Int: FloatBuffer] = [:]
        for step in wanted {
            parameters[step] = try CheckpointSet.load(store.weightsURL(step: step), layout: layout, config: config)
        }
        try self.init(layout: layout, parameters: parameters)
    }

    /// One checkpoint's weights as a flat vector in `layout` order.
    public static func load(_ url: URL, layout: ParameterLayout, config: ModelConfig? = nil) throws -> FloatBuffer {
        let file = try SafetensorsFile(contentsOf: url)
        if let config, let stored = try LlamaModel.config(in: file), stored != config {
            throw EvaluationError("checkpoint \(url.path) has model config \(stored.canonicalJSON), expected \(config.canonicalJSON)")
        }
        let buffer = FloatBuffer(count: layout.count)
        for spec in layout.specs {
            do {
                try file.read(spec.name, shape: spec.shape, into: buffer.pointer + spec.offset)
            } catch {
                throw EvaluationError("checkpoint \(url.path): \(error)")
            }
        }
        return buffer
    }

    public subscript(step: Int) -> FloatBuffer? { parameters[step] }

    /// The vector of `step`, or an error naming the missing step.
    public func vector(_ step: Int) throws -> FloatBuffer {
        guard let v = parameters[step] else { throw EvaluationError("no checkpoint for step \(step) (have \(steps))") }
        return v
    }
}
