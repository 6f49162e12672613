import Foundation
import SpikeKernels

/// Runs gnuplot. The executable is `$GNUPLOT` when set, else `gnuplot` on the PATH.
public enum Gnuplot {
    public static func executable(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        let fm = FileManager.default
        if let explicit = environment["GNUPLOT"], !explicit.isEmpty {
            return fm.isExecutableFile(atPath: explicit) ? URL(fileURLWithPath: explicit) : nil
        }
        for dir in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("gnuplot")
            if fm.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    public static var isAvailable: Bool { executable() != nil }

    /// Runs `gnuplot <script>` in `directory`; throws with gnuplot's messages when it fails.
    /// Warnings of a successful run are passed on to stderr.
    public static func run(script: String, in directory: URL) throws {
        guard let exe = executable() else {
            throw FigureError("gnuplot is not installed (needed to render \(directory.appendingPathComponent(script).path)); "
                              + "install gnuplot-nox (make deps) or set GNUPLOT to its path")
        }
        let process = Process()
        process.executableURL = exe
        process.arguments = [script]
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw FigureError("cannot start \(exe.path): \(error.localizedDescription)")
        }
        let messages = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let trimmed = messages.trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw FigureError("gnuplot failed on \(directory.appendingPathComponent(script).path) (exit status \(process.terminationStatus)):\n\(trimmed)")
        }
        if !trimmed.isEmpty {
            FileHandle.standardError.write(Data("[gnuplot \(directory.lastPathComponent)/\(script)] \(trimmed)\n".utf8))
        }
    }
}

/// Writes one figure's files into `figures/<paper>/`: `<name>.dat` (data, gnuplot blocks),
/// `<name>.gp` (self-contained script: `gnuplot <name>.gp` in that folder re-renders), the
/// rendered `<name>.png` and `<name>.svg`, `<name>.json` (the result: settings, numbers, tables,
/// claims with verdicts) and the tables as `<name>.md`, `.csv`, `.tex`.
///
/// Typical use from a figure executable:
/// ```
/// let out = try FigureOutput(paper: "lmc", name: "fig4")
/// var result = out.result(figure: "Fig. 4", title: "Loss curves")
/// try out.render(Figure(title: "...", .lines(LinePlot(series: [...]))))
/// result.add(Claim(...))
/// try out.write(result)          // last: it lists every file written
/// ```
public final class FigureOutput {
    public static let environmentVariable = "SPIKELAB_FIGURES"
    public static let defaultRoot = "figures"
    /// `$SPIKELAB_FIGURES`, else `figures`: where the figures of this invocation are.
    public static var root: String { ProcessInfo.processInfo.environment[environmentVariable] ?? defaultRoot }

    public let paper: String
    public let name: String
    public let root: URL
    public let scale: Scale
    /// `root/<paper>`.
    public let directory: URL
    /// Whether `render` runs gnuplot (off: only `.dat` and `.gp` are written).
    public var rendersImages = true
    /// Files written so far, relative to `directory`.
    public private(set) var files: [String] = []

    /// `root` defaults to `$SPIKELAB_FIGURES`, else `figures`; `scale` to `$SCALE`.
    public init(paper: String, name: String, root: URL? = nil, scale: Scale? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        for (what, value) in [("paper", paper), ("figure name", name)] {
            guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }),
                  !value.hasPrefix(".") else {
                throw FigureError("invalid \(what) '\(value)': use letters, digits, '-', '_' and '.' (it becomes a file name)")
            }
        }
        self.paper = paper
        self.name = name
        if let root {
            self.root = root
        } else if let env = environment[FigureOutput.environmentVariable], !env.isEmpty {
            self.root = URL(fileURLWithPath: env)
        } else {
            self.root = URL(fileURLWithPath: FigureOutput.defaultRoot)
        }
        self.scale = try scale ?? Scale.fromEnvironment(environment)
        directory = self.root.appendingPathComponent(paper)
    }

    /// `directory/<name><suffix>`, e.g. `url(".png")`.
    public func url(_ suffix: String) -> URL { directory.appendingPathComponent(name + suffix) }

    /// An empty result for this figure, with paper, name and scale filled in.
    public func result(figure: String, title: String) -> FigureResult {
        FigureResult(paper: paper, figure: figure, name: name, title: title, scale: scale)
    }

    /// Writes `<name>.dat` and `<name>.gp` for `figure`, then renders `<name>.png` and `<name>.svg`.
    public func render(_ figure: Figure) throws {
        let (commands, blocks) = GnuplotScript.build(figure)
        try render(commands: commands, blocks: blocks, title: figure.title, size: figure.pixels, font: figure.font)
    }

    /// The escape hatch: your own drawing commands (run once per output format; `datafile` names
    /// the `.dat` file, block k is `index k`) and data blocks.
    public func render(commands: [String], blocks: [DataBlock], title: String, size: (width: Int, height: Int), font: String = "Sans,10") throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let header = ["\(paper)/\(name): \(title.replacingOccurrences(of: "\n", with: " "))",
                      "Data of \(name).gp: \(blocks.count) block(s), separated by two blank lines (gnuplot: index k)."]
        try writeFile(".dat", DataBlock.file(blocks, header: header))
        let script = GnuplotScript.script(name: name, title: "\(paper)/\(name): \(title)", description: [],
                                          size: size, font: font, commands: commands)
        try writeFile(".gp", script)
        guard rendersImages else { return }
        try Gnuplot.run(script: name + ".gp", in: directory)
        for ext in [".png", ".svg"] {
            let attrs = try? FileManager.default.attributesOfItem(atPath: url(ext).path)
            guard let size = attrs?[.size] as? NSNumber, size.intValue > 0 else {
                throw FigureError("gnuplot ran \(url(".gp").path) but wrote no \(name)\(ext)")
            }
            note(name + ext)
        }
    }

    /// Writes `<name>.json` and each table as Markdown, CSV and LaTeX (`<name>.md/.csv/.tex`;
    /// with several tables `<name>-<table id>.md/...`). Call it last: the JSON lists every file
    /// this output wrote.
    public func write(_ result: FigureResult) throws {
        guard result.paper == paper, result.name == name else {
            throw FigureError("result \(result.paper)/\(result.name) written through the output of \(paper)/\(name)")
        }
        var ids = Set<String>()
        for table in result.tables {
            guard ids.insert(table.id).inserted else { throw FigureError("\(paper)/\(name): two tables with the id '\(table.id)'") }
            let base = result.tables.count == 1 ? "" : "-" + table.id
            if result.tables.count > 1 {
                guard table.id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                    throw FigureError("\(paper)/\(name): table id '\(table.id)' must use letters, digits, '-' and '_'")
                }
            }
            try writeFile(base + ".md", table.markdown())
            try writeFile(base + ".csv", table.csv())
            try writeFile(base + ".tex", table.latex(label: "tab:\(paper)-\(name)\(base)"))
        }
        var claimIDs = Set<String>()
        for claim in result.claims where !claimIDs.insert(claim.id).inserted {
            throw FigureError("\(paper)/\(name): two claims with the id '\(claim.id)'")
        }
        var result = result
        note(name + ".json")
        result.files = Array(Set(result.files + files)).sorted()
        try writeFile(".json", result.jsonText)
    }

    private func writeFile(_ suffix: String, _ text: String) throws {
        try AtomicFile.write(Data(text.utf8), to: url(suffix))
        note(name + suffix)
    }

    private func note(_ file: String) {
        if !files.contains(file) { files.append(file) }
    }
}
