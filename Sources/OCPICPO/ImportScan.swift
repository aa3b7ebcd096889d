import OCPIRuntime

/// One quick look at an object's bytes before it is decoded, for an import of millions: which
/// type it is (`isTariff`: it has a member `elements`, or none named `address`, at its top
/// level) and whether it may break an `OperatorRules` bound (`mayBreakRules`). Both are what
/// a `JSONValue` of the object would tell, without building one.
///
/// `mayBreakRules` errs on the side of caution: it is true for every member named like a bound
/// whose number may be out of it (negative; zero, for a bound above zero; written with an
/// exponent), and for every member name with an escape in it. `OperatorRules.violations(of:)`
/// then judges exactly; an object without such a member cannot break a rule.
struct ImportScan {
    var isTariff: Bool
    var mayBreakRules: Bool

    /// The bounded names as bytes, with whether the bound is above zero.
    private static let bounded: [([UInt8], Bool)] = OperatorRules.bounds.map { (Array($0.key.utf8), $0.value == .positive) }
    private static let elements = Array("elements".utf8)
    private static let address = Array("address".utf8)

    /// The bytes must be JSON whose first byte is `{` (the decoder finds anything else wrong;
    /// the answer for bytes that are not JSON does not matter).
    init(_ bytes: [UInt8]) {
        var hasElements = false
        var hasAddress = false
        var mayBreak = false
        var escapedTopLevelName = false
        bytes.withUnsafeBufferPointer { bytes in
            var depth = 0
            var index = 0
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    index += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    index += 1
                case UInt8(ascii: "\""):
                    let start = index + 1
                    var end = start
                    var escapes = false
                    while end < count {
                        let character = bytes[end]
                        if character == UInt8(ascii: "\\") {
                            escapes = true
                            end += 2
                            continue
                        }
                        if character == UInt8(ascii: "\"") { break }
                        end += 1
                    }
                    index = end + 1
                    // A name is a string followed by a colon.
                    var next = index
                    while next < count, Self.isWhitespace(bytes[next]) { next += 1 }
                    guard next < count, bytes[next] == UInt8(ascii: ":") else { continue }
                    let name = UnsafeBufferPointer(rebasing: bytes[start..<min(end, count)])
                    if escapes {
                        mayBreak = true
                        if depth == 1 { escapedTopLevelName = true }
                        continue
                    }
                    if depth == 1 {
                        if name.elementsEqual(Self.elements) { hasElements = true }
                        if name.elementsEqual(Self.address) { hasAddress = true }
                    }
                    if !mayBreak, let positive = Self.bound(name) {
                        next += 1
                        while next < count, Self.isWhitespace(bytes[next]) { next += 1 }
                        if next < count, Self.mayBeOutOfBound(bytes, from: next, positive: positive) { mayBreak = true }
                    }
                default:
                    index += 1
                }
            }
        }
        if escapedTopLevelName, let value = try? JSONValue.decodeJSON(bytes).value {
            hasElements = value["elements"] != nil
            hasAddress = value["address"] != nil
        }
        isTariff = hasElements || !hasAddress
        mayBreakRules = mayBreak
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }

    /// Whether the bound of `name` is above zero; `nil` when the name has no bound.
    private static func bound(_ name: UnsafeBufferPointer<UInt8>) -> Bool? {
        for (bounded, positive) in bounded where bounded.count == name.count && name.elementsEqual(bounded) { return positive }
        return nil
    }

    /// Whether the number at `start` may be below zero, or zero for a bound above zero (any
    /// number with an exponent, to leave its rounding to `Decimal`).
    private static func mayBeOutOfBound(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, positive: Bool) -> Bool {
        let first = bytes[start]
        if first == UInt8(ascii: "-") { return true }
        guard first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return false }
        if positive, first == UInt8(ascii: "0") { return true }
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "e"), UInt8(ascii: "E"): return true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "+"): index += 1
            default: return false
            }
        }
        return false
    }
}
