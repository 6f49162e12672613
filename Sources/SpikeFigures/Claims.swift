import Foundation
import SpikeData

/// Whether a replication shows what the paper claims. Always computed by code from the run's numbers.
public enum Verdict: String, Sendable, CaseIterable {
    case reproduced = "reproduced"
    case notReproduced = "not reproduced"

    public init(_ holds: Bool) { self = holds ? .reproduced : .notReproduced }
}

/// A number or a short statement: the paper's value of a claim, or ours.
public enum ClaimValue: Equatable, Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
    CustomStringConvertible {
    case number(Double)
    case text(String)

    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(stringLiteral value: String) { self = .text(value) }

    public var number: Double? { if case .number(let x) = self { return x }; return nil }

    /// Numbers with up to 6 significant digits (the JSON keeps full precision).
    public var description: String {
        switch self {
        case .number(let x): return NumberFormat.significant(6).format(x)
        case .text(let s): return s
        }
    }

    var json: JSONValue {
        switch self {
        case .number(let x): return CanonicalJSON.number(x)
        case .text(let s): return .string(s)
        }
    }

    init?(json: JSONValue?) {
        guard let json else { return nil }
        if case .string(let s) = json, CanonicalJSON.double(json) == nil { self = .text(s); return }
        if let x = CanonicalJSON.double(json) { self = .number(x); return }
        if case .bool(let b) = json { self = .text(b ? "yes" : "no"); return }
        return nil
    }
}

/// A numeric test with its own wording, so the rule printed beside a verdict is the one applied.
public enum ClaimRule: Equatable, Sendable {
    case greaterThan(Double)
    case atLeast(Double)
    case lessThan(Double)
    case atMost(Double)
    /// low <= x <= high.
    case between(Double, Double)
    /// |x - target| <= fraction * |target|.
    case within(fraction: Double, of: Double)

    public func holds(_ x: Double) -> Bool {
        guard !x.isNaN else { return false }
        switch self {
        case .greaterThan(let t): return x > t
        case .atLeast(let t): return x >= t
        case .lessThan(let t): return x < t
        case .atMost(let t): return x <= t
        case .between(let lo, let hi): return lo <= x && x <= hi
        case .within(let f, let target): return abs(x - target) <= f * abs(target)
        }
    }

    /// The rule in words, for `quantity` (e.g. "spike count of run (1)").
    public func describe(_ quantity: String) -> String {
        let n = { (x: Double) in NumberFormat.significant(6).format(x) }
        switch self {
        case .greaterThan(let t): return "\(quantity) > \(n(t))"
        case .atLeast(let t): return "\(quantity) >= \(n(t))"
        case .lessThan(let t): return "\(quantity) < \(n(t))"
        case .atMost(let t): return "\(quantity) <= \(n(t))"
        case .between(let lo, let hi): return "\(n(lo)) <= \(quantity) <= \(n(hi))"
        case .within(let f, let target): return "|\(quantity) - \(n(target))| <= \(n(f * 100))% of \(n(abs(target)))"
        }
    }
}

/// One claim of a paper, checked against our run: the paper's statement (and number, when it
/// gives one), our value, the verdict and the rule that produced it.
public struct Claim: Equatable, Sendable {
    /// Stable identifier inside the figure (letters, digits, '-', '_'); the numbers regression keys on it.
    public var id: String
    /// What the paper states.
    public var statement: String
    /// The paper's number or wording of the result, when there is one.
    public var paper: ClaimValue?
    /// What we measured.
    public var ours: ClaimValue
    public var verdict: Verdict
    /// How the verdict was computed, in words.
    public var rule: String

    /// A claim whose verdict is `holds`, computed by the caller's code as described by `rule`.
    public init(id: String, statement: String, paper: ClaimValue? = nil, ours: ClaimValue, rule: String, holds: Bool) {
        self.id = id; self.statement = statement; self.paper = paper; self.ours = ours; self.rule = rule
        verdict = Verdict(holds)
    }

    /// A claim tested by a numeric rule on our number: `verdict = rule.holds(ours)`.
    public init(id: String, statement: String, paper: ClaimValue? = nil, ours: Double, rule: ClaimRule, quantity: String = "ours") {
        self.init(id: id, statement: statement, paper: paper, ours: .number(ours), rule: rule.describe(quantity), holds: rule.holds(ours))
    }

    /// Every one of `parts` must hold; `ours` lists each part's value. The rule names each part.
    public init(id: String, statement: String, paper: ClaimValue? = nil, allOf parts: [(quantity: String, value: Double, rule: ClaimRule)]) {
        let ours = parts.map { "\($0.quantity) = \(NumberFormat.significant(6).format($0.value))" }.joined(separator: "; ")
        let rule = "all of: " + parts.map { $0.rule.describe($0.quantity) }.joined(separator: "; ")
        self.init(id: id, statement: statement, paper: paper, ours: .text(ours), rule: rule,
                  holds: parts.allSatisfy { $0.rule.holds($0.value) })
    }

    var json: JSONValue {
        .object(["id": .string(id), "statement": .string(statement), "paper": paper?.json ?? .null, "ours": ours.json,
                 "verdict": .string(verdict.rawValue), "rule": .string(rule)])
    }

    init(json: JSONValue, file: String) throws {
        guard let id = json["id"]?.stringValue, let statement = json["statement"]?.stringValue,
              let ours = ClaimValue(json: json["ours"]), let v = json["verdict"]?.stringValue, let rule = json["rule"]?.stringValue else {
            throw FigureError("\(file): a claim lacks id, statement, ours, verdict or rule")
        }
        guard let verdict = Verdict(rawValue: v) else {
            throw FigureError("\(file): claim \(id) has the verdict '\(v)' (must be 'reproduced' or 'not reproduced')")
        }
        self.id = id; self.statement = statement; self.ours = ours; self.verdict = verdict; self.rule = rule
        paper = ClaimValue(json: json["paper"])
    }
}

/// How far a number may drift from its expected value in `spikelab check`: it passes when
/// |ours - expected| <= absolute or <= relative * max(|ours|, |expected|); `ignore` skips it
/// (wall-clock times).
public struct Tolerance: Equatable, Sendable {
    public var relative: Double
    public var absolute: Double
    public var ignore: Bool

    public init(relative: Double = 1e-4, absolute: Double = 1e-6) {
        self.relative = relative; self.absolute = absolute; ignore = false
    }

    public static let `default` = Tolerance()
    public static let ignored: Tolerance = { var t = Tolerance(); t.ignore = true; return t }()

    public func accepts(expected e: Double, actual a: Double) -> Bool {
        if ignore { return true }
        if e.isNaN || a.isNaN { return e.isNaN && a.isNaN }
        if e.isInfinite || a.isInfinite { return e == a }
        let diff = abs(a - e)
        return diff <= absolute || diff <= relative * max(abs(a), abs(e))
    }

    var json: JSONValue {
        ignore ? .object(["ignore": .bool(true)])
            : .object(["relative": CanonicalJSON.number(relative), "absolute": CanonicalJSON.number(absolute)])
    }

    init(json: JSONValue, fallback: Tolerance, file: String) throws {
        guard case .object = json else { throw FigureError("\(file): a tolerance must be an object {relative, absolute} or {ignore: true}") }
        self = fallback
        ignore = json["ignore"]?.boolValue ?? false
        if let r = json["relative"] { guard let x = CanonicalJSON.double(r) else { throw FigureError("\(file): tolerance 'relative' must be a number") }; relative = x }
        if let a = json["absolute"] { guard let x = CanonicalJSON.double(a) else { throw FigureError("\(file): tolerance 'absolute' must be a number") }; absolute = x }
    }
}
