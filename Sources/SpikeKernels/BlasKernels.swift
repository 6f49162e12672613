import CBLAS
import Foundation

extension Blas {
    /// The kernel family OpenBLAS chose when it loaded (DYNAMIC_ARCH builds), e.g. "SkylakeX".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name).trimmingCharacters(in: .whitespaces)
    }

    /// OpenBLAS's build description (version, DYNAMIC_ARCH, threading).
    public static var buildConfig: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config).trimmingCharacters(in: .whitespaces)
    }

    /// "OpenBLAS 0.3.21": the library's version, from its build description.
    public static var version: String {
        let words = buildConfig.split(separator: " ")
        guard let i = words.firstIndex(of: "OpenBLAS"), i + 1 < words.count else { return buildConfig }
        return "OpenBLAS \(words[i + 1])"
    }

    /// For the native numerics mode: OpenBLAS 0.3.21 (Debian 12) does not recognise recent Xeons
    /// and falls back to its SSE3 "Prescott" kernels, 4-5x slower than the AVX-512 ones.
    /// The kernel family to force, or nil to keep the loaded one.
    static func betterCoreType(loaded: String, cpuFlags: Set<String>) -> String? {
        let legacy: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai",
                                   "coppermine", "northwood", "banias", "generic", "sandybridge"]
        guard legacy.contains(loaded.lowercased()) else { return nil }
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        return nil
    }

    /// The CPU feature flags of the first processor in /proc/cpuinfo (empty where unavailable).
    public static func cpuFlags() -> Set<String> {
        Set((cpuInfo("flags") ?? "").split(separator: " ").map(String.init))
    }

    /// The CPU, as /proc/cpuinfo names it, with its x86 family and model (the name alone, e.g.
    /// "AMD EPYC", does not tell Zen 3 from Zen 4): "AMD EPYC (family 25, model 17)".
    public static func cpuDescription() -> String {
        let name = cpuInfo("model name") ?? "unknown CPU"
        guard let family = cpuInfo("cpu family"), let model = cpuInfo("model") else { return name }
        return "\(name) (family \(family), model \(model))"
    }

    /// The value of `key` for the first processor in /proc/cpuinfo ("model" is not "model name").
    static func cpuInfo(_ key: String) -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in info.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].trimmingCharacters(in: .whitespaces) == key else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
