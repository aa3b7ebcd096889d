#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import OCPIRuntime

/// The bytes an import reads: a file, read in chunks at the offsets asked for (never whole), or
/// bytes already in memory.
public struct ImportSource: Sendable {
    enum Storage: Sendable {
        case file(FileDescriptor)
        case memory([UInt8])
    }

    let storage: Storage
    /// How many bytes there are (a file's size when it was opened).
    public let size: Int

    public init(bytes: [UInt8]) {
        storage = .memory(bytes)
        size = bytes.count
    }

    /// Opens `path` for reading.
    public init(path: String) throws(ImportSourceError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ImportSourceError(path: path, errno: errno) }
        let file = FileDescriptor(descriptor)
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ImportSourceError(path: path, errno: errno) }
        guard Int(status.st_mode) & 0o170000 == 0o100000 else { throw ImportSourceError(path: path, errno: EINVAL, message: "not a regular file") }
        storage = .file(file)
        size = Int(status.st_size)
    }

    /// Appends up to `count` bytes from `offset` on to `buffer`; how many there were (0 at the
    /// end).
    func read(at offset: Int, count: Int, appendingTo buffer: inout [UInt8]) throws(ImportSourceError) -> Int {
        switch storage {
        case .memory(let bytes):
            let end = min(bytes.count, offset + count)
            guard offset < end else { return 0 }
            buffer.append(contentsOf: bytes[offset..<end])
            return end - offset
        case .file(let file):
            let start = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: count))
            var filled = 0
            let failure: Int32? = buffer.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return nil }
                while filled < count {
                    let read = pread(file.descriptor, base + start + filled, count - filled, off_t(offset + filled))
                    if read < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    if read == 0 { break }
                    filled += read
                }
                return nil
            }
            buffer.removeLast(count - filled)
            if let failure { throw ImportSourceError(path: nil, errno: failure) }
            return filled
        }
    }
}

public struct ImportSourceError: Error, Sendable, CustomStringConvertible {
    public var path: String?
    public var errno: Int32
    public var message: String?

    init(path: String?, errno: Int32, message: String? = nil) {
        self.path = path
        self.errno = errno
        self.message = message
    }

    public var description: String { message ?? String(cString: strerror(errno)) }
}

/// An open file, closed when the last copy of the source that read it is gone. Reads go through
/// `pread` at explicit offsets, so it has no state that copies could share.
final class FileDescriptor: Sendable {
    let descriptor: Int32

    init(_ descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }
}

/// Splits a JSON document of objects to import into the bytes of each object, without building
/// the document in memory: a list (`[{...}, {...}]`), an OCPI response envelope whose `data` is
/// such a list (or one object), or one bare object. The source is read in chunks; what is held
/// at any time is one chunk and at most one element.
///
/// The splitter checks only the document's structure: where each element starts and ends
/// (strings with brackets and escaped quotes inside, nested lists and objects), the commas and
/// brackets between them, and what follows the document. Each element's own syntax is left to
/// whoever decodes it (`Location.decodeAndValidate`), whose error offsets are relative to the
/// element: add the element's `offset`.
///
/// Hostile input is bounded: an element larger than `maximumElementSize` (16 MiB by default),
/// nesting deeper than `JSONReader.maximumDepth` within an element, a truncated file and
/// anything after the document are errors with the byte offset where they were found.
public struct JSONListSplitter: Sendable {
    /// One object of the document: its bytes, where they start in the source, and its place.
    public struct Element: Sendable {
        public var bytes: [UInt8]
        /// The byte offset of its first byte in the source.
        public var offset: Int
        /// Its position in the list (0 for a bare object).
        public var index: Int
    }

    /// What the document is.
    public enum Layout: Sendable, Equatable {
        /// A list at the top (its elements at `/0`, `/1`, ...), or an envelope's `data` list
        /// (`/data/0`, ...): `base` is where the list is.
        case list(base: JSONPath)
        /// One object (or value): a bare one, or an envelope's `data` that is not a list. Its
        /// violations are reported at its own paths, as before.
        case single
        /// An envelope without `data`.
        case empty
    }

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The byte offset in the source where the problem was found.
        public var offset: Int
        public var message: String
        /// The pointer of the element it concerns, when it concerns one (an element too large).
        public var path: JSONPath?
        /// The document is not JSON (rather than JSON beyond the splitter's bounds, or a file
        /// that cannot be read).
        public var isSyntax: Bool

        public var description: String {
            if let path { return "\(path.pointer.isEmpty ? "/" : path.pointer): \(message)" }
            return isSyntax ? "invalid JSON at byte \(offset): \(message)" : "at byte \(offset): \(message)"
        }
    }

    public static let defaultChunkSize = 1 << 20
    public static let defaultMaximumElementSize = 16 << 20

    let source: ImportSource
    let chunkSize: Int
    public let maximumElementSize: Int

    /// Bytes read from the source and not consumed yet; `buffer[0]` is at `bufferOffset`.
    private var buffer: [UInt8] = []
    private var bufferOffset = 0
    /// Where scanning stands, as an offset in the source.
    private var position = 0
    private var state = State.start
    private var nextIndex = 0
    /// The layout, once the start of the document has been read.
    public private(set) var layout: Layout?

    private enum State: Sendable {
        case start
        /// Inside a list, before its first element or after a comma.
        case listElement(first: Bool)
        /// After an element of the list: a comma or the list's end.
        case listSeparator
        /// The single element's range, not yet handed out.
        case single(start: Int, end: Int)
        /// After the list, or the single element: the end of the document must follow (for a
        /// top-level list; an envelope's end was checked when it was first read).
        case trailer(checked: Bool)
        case done
    }

    public init(_ source: ImportSource, chunkSize: Int = defaultChunkSize, maximumElementSize: Int = defaultMaximumElementSize) {
        self.source = source
        self.chunkSize = max(1, chunkSize)
        self.maximumElementSize = max(1, maximumElementSize)
    }

    /// How far into the source the splitter has got: for progress.
    public var bytesConsumed: Int { position }

    /// The most bytes the splitter has held at once: about a chunk and an element, whatever
    /// the size of the source.
    public private(set) var largestBuffer = 0

    /// The next element, `nil` after the last one.
    public mutating func next() throws(Failure) -> Element? {
        while true {
            switch state {
            case .start:
                try readStart()
            case .listElement(let first):
                guard let byte = try skipWhitespace() else { throw failure(at: position, "the file ends inside the list (cut short?)") }
                if byte == UInt8(ascii: "]"), first {
                    position += 1
                    state = .trailer(checked: layout != .list(base: JSONPath()))
                    continue
                }
                if byte == UInt8(ascii: "]") { throw failure(at: position, "expected an element after ',', found ']'") }
                let index = nextIndex
                let (start, end) = try scanValue(at: position, element: index)
                position = end
                nextIndex += 1
                state = .listSeparator
                return Element(bytes: bytes(start, end), offset: start, index: index)
            case .listSeparator:
                guard let byte = try skipWhitespace() else { throw failure(at: position, "the file ends inside the list, after \(pointer(elementPath(nextIndex - 1))) (cut short?)") }
                position += 1
                switch byte {
                case UInt8(ascii: ","): state = .listElement(first: false)
                case UInt8(ascii: "]"): state = .trailer(checked: layout != .list(base: JSONPath()))
                default: throw failure(at: position - 1, "expected ',' or ']' after \(pointer(elementPath(nextIndex - 1))), found \(Self.describe(byte))")
                }
            case .single(let start, let end):
                state = .trailer(checked: true)
                position = end
                try ensure(start, end)
                return Element(bytes: bytes(start, end), offset: start, index: 0)
            case .trailer(let checked):
                if !checked, let byte = try skipWhitespace() {
                    throw failure(at: position, "unexpected \(Self.describe(byte)) after the end of the document")
                }
                state = .done
                position = source.size
                buffer = []
            case .done:
                return nil
            }
        }
    }

    private func elementPath(_ index: Int) -> JSONPath {
        if case .list(let base) = layout { return base.appending(.index(index)) }
        return JSONPath()
    }

    private func pointer(_ path: JSONPath) -> String { path.pointer.isEmpty ? "/" : path.pointer }

    private func failure(at offset: Int, _ message: String, path: JSONPath? = nil, syntax: Bool = true) -> Failure {
        Failure(offset: offset, message: message, path: path, isSyntax: syntax)
    }

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x20, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    // MARK: The start of the document

    private mutating func readStart() throws(Failure) {
        // A UTF-8 byte order mark, as some editors write, is skipped.
        try fill(through: 3)
        if bufferOffset == 0, buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        guard let byte = try skipWhitespace() else { throw failure(at: position, "the file holds no JSON value") }
        switch byte {
        case UInt8(ascii: "["):
            layout = .list(base: JSONPath())
            position += 1
            state = .listElement(first: true)
        case UInt8(ascii: "{"):
            try readTopObject()
        default:
            let (start, end) = try scanValue(at: position, element: nil)
            position = end
            layout = .single
            state = .single(start: start, end: end)
            if let trailing = try skipWhitespace() { throw failure(at: position, "unexpected \(Self.describe(trailing)) after the end of the document") }
        }
    }

    /// A top-level object is an envelope when it has `status_code` (wherever it is among its
    /// members): then its `data` is what is imported. Otherwise it is one object to import. Its
    /// members are read once to tell which, skipping their values (`data` may be a list of
    /// gigabytes), and the splitter then goes back to `data` or to the object's start.
    private mutating func readTopObject() throws(Failure) {
        let objectStart = position
        position += 1
        var isEnvelope = false
        var data: (start: Int, end: Int)?
        var first = true
        while true {
            guard let byte = try skipWhitespace() else { throw failure(at: position, "the file ends inside the object that starts at byte \(objectStart) (cut short?)") }
            if byte == UInt8(ascii: "}"), first {
                position += 1
                break
            }
            guard byte == UInt8(ascii: "\"") else { throw failure(at: position, "expected a member name, found \(Self.describe(byte))") }
            let (keyStart, keyEnd) = try scanValue(at: position, element: nil)
            try ensure(keyStart, keyEnd)
            let key = try? JSONValue.decodeJSON(bytes(keyStart, keyEnd)).value
            position = keyEnd
            guard let colon = try skipWhitespace() else { throw failure(at: position, "the file ends inside the object that starts at byte \(objectStart) (cut short?)") }
            guard colon == UInt8(ascii: ":") else { throw failure(at: position, "expected ':' after a member name, found \(Self.describe(colon))") }
            position += 1
            guard try skipWhitespace() != nil else { throw failure(at: position, "the file ends inside the object that starts at byte \(objectStart) (cut short?)") }
            let isData = key == .string("data")
            if key == .string("status_code") { isEnvelope = true }
            // `data` may be as large as the file; other members of an envelope are small, and
            // are checked to be JSON here, as nothing else reads them.
            let (valueStart, valueEnd) = try scanValue(at: position, element: nil, limit: !isData)
            if isData {
                data = (valueStart, valueEnd)
            } else {
                try ensure(valueStart, valueEnd)
                do throws(JSONSyntaxError) {
                    _ = try JSONValue.decodeJSON(bytes(valueStart, valueEnd))
                } catch {
                    throw failure(at: valueStart + error.offset, error.message)
                }
            }
            position = valueEnd
            guard let separator = try skipWhitespace() else { throw failure(at: position, "the file ends inside the object that starts at byte \(objectStart) (cut short?)") }
            position += 1
            if separator == UInt8(ascii: "}") { break }
            guard separator == UInt8(ascii: ",") else { throw failure(at: position - 1, "expected ',' or '}' in the object that starts at byte \(objectStart), found \(Self.describe(separator))") }
            first = false
        }
        let objectEnd = position
        if let trailing = try skipWhitespace() { throw failure(at: position, "unexpected \(Self.describe(trailing)) after the end of the document") }
        guard isEnvelope else {
            guard objectEnd - objectStart <= maximumElementSize else { throw tooLarge(nil, start: objectStart) }
            layout = .single
            state = .single(start: objectStart, end: objectEnd)
            return
        }
        guard let data else {
            layout = .empty
            state = .done
            return
        }
        try seek(to: data.start)
        if buffer.first == UInt8(ascii: "[") {
            layout = .list(base: JSONPath([.key("data")]))
            position = data.start + 1
            state = .listElement(first: true)
        } else {
            guard data.end - data.start <= maximumElementSize else { throw tooLarge(nil, start: data.start) }
            layout = .single
            state = .single(start: data.start, end: data.end)
        }
    }

    // MARK: Scanning

    private func tooLarge(_ element: Int?, start: Int) -> Failure {
        let limit = maximumElementSize.formattedSize
        guard let element else { return failure(at: start, "a value larger than \(limit) starts here; no part of a document may be larger", syntax: false) }
        return failure(at: start, "is larger than \(limit), the most one object may take (it starts at byte \(start))", path: elementPath(element), syntax: false)
    }

    /// Finds the end of the value that starts at `start`: its nesting, and strings with their
    /// escapes. Everything else is for the decoder to judge. `element`: the value is that
    /// element of the list (for messages). `limit`: the value must fit in `maximumElementSize`,
    /// and its bytes are kept in the buffer; otherwise they are let go as scanning proceeds.
    private mutating func scanValue(at start: Int, element: Int?, limit: Bool = true) throws(Failure) -> (Int, Int) {
        var depth = 0
        var inString = false
        var escaped = false
        var scalar = false
        var cursor = start
        while true {
            if cursor - bufferOffset >= buffer.count {
                guard try more(keeping: limit ? start : cursor) else {
                    if scalar { return (start, cursor) }
                    let what = element.map { pointer(elementPath($0)) } ?? "the value that starts at byte \(start)"
                    throw failure(at: cursor, "the file ends inside \(what) (cut short?)")
                }
            }
            let from = cursor - bufferOffset
            // Never more than one byte past the limit: that byte proves the value too large.
            let upTo = limit ? min(buffer.count, start - bufferOffset + maximumElementSize + 1) : buffer.count
            let stop: Int? = buffer.withUnsafeBufferPointer { bytes in
                var index = from
                while index < upTo {
                    let byte = bytes[index]
                    if inString {
                        if escaped {
                            escaped = false
                        } else if byte == UInt8(ascii: "\\") {
                            escaped = true
                        } else if byte == UInt8(ascii: "\"") {
                            inString = false
                            if depth == 0 { return index + 1 }
                        }
                    } else if scalar {
                        switch byte {
                        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
                            UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "{"),
                            UInt8(ascii: "\""), UInt8(ascii: ":"):
                            return index
                        default: break
                        }
                    } else {
                        switch byte {
                        case UInt8(ascii: "\""):
                            inString = true
                        case UInt8(ascii: "{"), UInt8(ascii: "["):
                            depth += 1
                            if depth > JSONReader.maximumDepth { return -(index + 1) }
                        case UInt8(ascii: "}"), UInt8(ascii: "]"):
                            depth -= 1
                            if depth <= 0 { return index + 1 }
                        default:
                            if depth == 0 { scalar = true }
                        }
                    }
                    index += 1
                }
                return nil
            }
            if let stop {
                if stop < 0 {
                    let offset = bufferOffset - stop - 1
                    throw failure(at: offset, "is nested deeper than \(JSONReader.maximumDepth) levels (at byte \(offset))", path: element.map { elementPath($0) }, syntax: false)
                }
                let end = bufferOffset + stop
                if limit, end - start > maximumElementSize { throw tooLarge(element, start: start) }
                return (start, end)
            }
            cursor = bufferOffset + upTo
            if limit, cursor - start > maximumElementSize { throw tooLarge(element, start: start) }
        }
    }

    /// Skips whitespace from `position`; the byte there, `nil` at the end of the source.
    private mutating func skipWhitespace() throws(Failure) -> UInt8? {
        while true {
            if position - bufferOffset >= buffer.count {
                guard try more(keeping: position) else { return nil }
            }
            let byte = buffer[position - bufferOffset]
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
            default: return byte
            }
        }
    }

    /// Reads the next chunk, letting go of what is before `keep`; whether there was more.
    private mutating func more(keeping keep: Int) throws(Failure) -> Bool {
        let drop = keep - bufferOffset
        if drop > 0 {
            buffer.removeSubrange(0..<min(drop, buffer.count))
            bufferOffset += drop
        }
        let offset = bufferOffset + buffer.count
        do {
            defer { largestBuffer = max(largestBuffer, buffer.count) }
            return try source.read(at: offset, count: chunkSize, appendingTo: &buffer) > 0
        } catch {
            throw failure(at: offset, "cannot be read: \(error)", syntax: false)
        }
    }

    /// Makes sure bytes up to `count` past `position` are in the buffer, if the source has them.
    private mutating func fill(through count: Int) throws(Failure) {
        while position + count > bufferOffset + buffer.count {
            guard try more(keeping: min(position, bufferOffset + buffer.count)) else { return }
        }
    }

    /// Makes sure `start..<end` is in the buffer (it was scanned, possibly let go since).
    private mutating func ensure(_ start: Int, _ end: Int) throws(Failure) {
        if start >= bufferOffset, end <= bufferOffset + buffer.count { return }
        buffer = []
        bufferOffset = start
        do {
            _ = try source.read(at: start, count: end - start, appendingTo: &buffer)
            largestBuffer = max(largestBuffer, buffer.count)
        } catch {
            throw failure(at: start, "cannot be read: \(error)", syntax: false)
        }
        guard buffer.count == end - start else { throw failure(at: start + buffer.count, "the file got shorter while it was read", syntax: false) }
    }

    /// Starts reading again at `offset` (going back to an envelope's `data`).
    private mutating func seek(to offset: Int) throws(Failure) {
        buffer = []
        bufferOffset = offset
        position = offset
        _ = try more(keeping: offset)
    }

    private func bytes(_ start: Int, _ end: Int) -> [UInt8] {
        Array(buffer[(start - bufferOffset)..<(end - bufferOffset)])
    }
}

extension Int {
    /// `16 MiB`, `512 KiB`, `100 bytes`.
    var formattedSize: String {
        if self >= 1 << 20, self % (1 << 20) == 0 { return "\(self >> 20) MiB" }
        if self >= 1 << 10, self % (1 << 10) == 0 { return "\(self >> 10) KiB" }
        return "\(self) bytes"
    }
}
