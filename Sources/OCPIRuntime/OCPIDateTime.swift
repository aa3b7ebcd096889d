import Foundation

/// An OCPI timestamp: RFC 3339 in UTC, with or without the `Z`, with or without fractional
/// seconds (`2015-06-29T20:39:09`, `2016-12-29T17:45:09.2Z`).
///
/// Always written in UTC with `Z`, keeping the fractional digits that were read, so that a value
/// survives any number of round trips. A timestamp with another offset (`+02:00`, and even
/// `+00:00`, which the spec says is not the same as UTC) is still read, converted, and reported
/// by validation rather than refused outright.
public struct OCPIDateTime: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64
    /// Nanoseconds within the second.
    public var nanoseconds: Int32
    /// How many fractional digits the value is written with (0-9).
    public var fractionDigits: Int8
    /// The offset the text carried, in minutes, when it was not UTC; `nil` for a UTC timestamp.
    public var nonUTCOffsetMinutes: Int16?

    public init(secondsSince1970: Int64, nanoseconds: Int32 = 0, fractionDigits: Int8 = 0) {
        self.secondsSince1970 = secondsSince1970
        self.nanoseconds = nanoseconds
        self.fractionDigits = fractionDigits
        self.nonUTCOffsetMinutes = nil
    }

    /// The timestamp of a `Date`, to the millisecond.
    public init(_ date: Date) {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds.floorDivided(by: 1000)
        self.init(
            secondsSince1970: seconds,
            nanoseconds: Int32(milliseconds - seconds * 1000) * 1_000_000,
            fractionDigits: milliseconds % 1000 == 0 ? 0 : 3
        )
    }

    public static func now() -> OCPIDateTime { OCPIDateTime(Date()) }

    public var date: Date {
        Date(timeIntervalSince1970: TimeInterval(secondsSince1970) + TimeInterval(nanoseconds) / 1e9)
    }

    public static func == (lhs: OCPIDateTime, rhs: OCPIDateTime) -> Bool {
        lhs.secondsSince1970 == rhs.secondsSince1970 && lhs.nanoseconds == rhs.nanoseconds
            && lhs.nonUTCOffsetMinutes == rhs.nonUTCOffsetMinutes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(secondsSince1970)
        hasher.combine(nanoseconds)
    }

    public static func < (lhs: OCPIDateTime, rhs: OCPIDateTime) -> Bool {
        (lhs.secondsSince1970, lhs.nanoseconds) < (rhs.secondsSince1970, rhs.nanoseconds)
    }

    // MARK: Parsing

    /// Parses every form OCPI allows, and offsets; `nil` for anything else.
    public init?(_ text: String) {
        var text = text
        guard let value = text.withUTF8({ OCPIDateTime(utf8: $0) }) else { return nil }
        self = value
    }

    init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        // A struct, not nested functions: a function capturing `cursor` made every access to
        // it a dynamic exclusivity check, 4% of decoding a Location.
        var text = TimestampCursor(bytes: bytes)
        guard let year = text.number(4), text.expect(UInt8(ascii: "-")), let month = text.number(2), text.expect(UInt8(ascii: "-")),
            let day = text.number(2), text.expect(UInt8(ascii: "T")), let hour = text.number(2), text.expect(UInt8(ascii: ":")),
            let minute = text.number(2), text.expect(UInt8(ascii: ":")), let second = text.number(2)
        else { return nil }
        guard (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var nanoseconds = 0
        var digits = 0
        if text.expect(UInt8(ascii: ".")) {
            while let digit = text.digit() {
                if digits < 9 {
                    nanoseconds = nanoseconds * 10 + digit
                    digits += 1
                }
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanoseconds *= 10 }
        }
        var offset: Int?
        if text.expect(UInt8(ascii: "Z")) || text.expect(UInt8(ascii: "z")) {
            offset = nil
        } else if let sign = text.sign() {
            guard let hours = text.number(2), text.expect(UInt8(ascii: ":")), let minutes = text.number(2), hours <= 23, minutes <= 59 else { return nil }
            offset = sign * (hours * 60 + minutes)
        }
        guard text.isAtEnd else { return nil }
        let days = Self.daysSince1970(year: year, month: month, day: day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.secondsSince1970 = local - Int64((offset ?? 0) * 60)
        self.nanoseconds = Int32(nanoseconds)
        self.fractionDigits = Int8(digits)
        self.nonUTCOffsetMinutes = offset.map { Int16($0) }
    }

    // MARK: Writing

    /// `YYYY-MM-DDThh:mm:ss[.f…]Z`, in UTC.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(30)
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the canonical text (without quotes).
    public func write(into bytes: inout [UInt8]) {
        let days = secondsSince1970.floorDivided(by: 86_400)
        let secondOfDay = Int(secondsSince1970 - days * 86_400)
        let (year, month, day) = Self.civil(fromDays: Int(days))
        // Digits straight into `bytes`, most significant first (every response's envelope has a
        // timestamp: no array per field).
        func append(_ value: Int, width: Int) {
            var divisor = 1
            for _ in 1..<max(width, 1) { divisor *= 10 }
            var rest = value % (divisor * 10)
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        append(year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        append(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        append(day, width: 2)
        bytes.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, width: 2)
        if fractionDigits > 0 {
            bytes.append(UInt8(ascii: "."))
            var fraction = Int(nanoseconds)
            for _ in Int(fractionDigits)..<9 { fraction /= 10 }
            append(fraction, width: Int(fractionDigits))
        }
        bytes.append(UInt8(ascii: "Z"))
    }

    // MARK: Calendar arithmetic (proleptic Gregorian, as RFC 3339)

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date (Howard Hinnant's algorithm).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

extension OCPIDateTime: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = OCPIDateTime(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an OCPI DateTime")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension OCPIDateTime: JSONDecodable {
    public static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> OCPIDateTime? {
        let kind = try reader.peekKind()
        guard kind == .string else {
            reader.violation("expected a string, found \(kind)")
            try reader.skipValue()
            return nil
        }
        // Parsed from the document's bytes: no `String` is made unless the value is wrong.
        let parsed: Result<OCPIDateTime, Unparsed> = try reader.readStringBytes { bytes in
            OCPIDateTime(utf8: bytes).map { .success($0) } ?? .failure(Unparsed(text: String(decoding: bytes, as: UTF8.self)))
        }
        switch parsed {
        case .success(let value):
            return value
        case .failure(let unparsed):
            reader.violation("'\(unparsed.text)' is not a DateTime (expected YYYY-MM-DDThh:mm:ss with optional fraction and Z)")
            return nil
        }
    }

    /// The text of a value that is no DateTime, for the violation's message.
    private struct Unparsed: Error {
        var text: String
    }

    public static var placeholder: OCPIDateTime { OCPIDateTime(secondsSince1970: 0) }
}

/// Reads a timestamp's text from the front.
private struct TimestampCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    var isAtEnd: Bool { index == bytes.count }

    /// The next `width` bytes as a decimal number, when they are all digits.
    mutating func number(_ width: Int) -> Int? {
        guard index + width <= bytes.count else { return nil }
        var value = 0
        for offset in index..<index + width {
            let byte = bytes[offset]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        index += width
        return value
    }

    /// The next byte's value when it is a digit.
    mutating func digit() -> Int? {
        guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else { return nil }
        defer { index += 1 }
        return Int(bytes[index] - UInt8(ascii: "0"))
    }

    /// Consumes `character` if it is next.
    mutating func expect(_ character: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == character else { return false }
        index += 1
        return true
    }

    /// Consumes a `+` (1) or `-` (-1) if one is next.
    mutating func sign() -> Int? {
        if expect(UInt8(ascii: "+")) { return 1 }
        if expect(UInt8(ascii: "-")) { return -1 }
        return nil
    }
}
