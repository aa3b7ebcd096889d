import Foundation
import Logging
import OCPIRuntime
@testable import OCPIServer
import Synchronization
import Testing

/// The JSON lines `ocpi-cpo serve` logs by default.
@Suite struct StructuredLogHandlerTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000.25)

    static func line(_ fields: Logger.Metadata, message: String = "request") -> String {
        String(decoding: StructuredLogHandler.line(time: time, level: .warning, label: "ocpi-cpo", message: message, fields: fields), as: UTF8.self)
    }

    @Test func anEventIsOneLineOfJSONWithItsFieldsInKeyOrder() {
        let line = Self.line(["status": .stringConvertible(200), "duration_ms": .stringConvertible(0.25), "path": "/ocpi/versions"])
        #expect(line == #"{"time":"2027-01-15T08:00:00.250Z","level":"warning","logger":"ocpi-cpo","message":"request","duration_ms":0.25,"path":"/ocpi/versions","status":200}"# + "\n")
    }

    @Test func textThatCouldBreakTheLineIsEscaped() throws {
        let line = Self.line(["path": "/a\nb\\c\u{1}"], message: "two\nlines \"quoted\"")
        #expect(line.dropLast().contains("\n") == false)
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "two\nlines \"quoted\"")
        #expect(object["path"] as? String == "/a\nb\\c\u{1}")
    }

    @Test func nestedMetadataStaysJSONAndReservedKeysAreKept() throws {
        let line = Self.line([
            "message": "overwritten?", "level": "nope",
            "partner": ["id": "P1", "roles": ["CPO", "EMSP"]],
            "infinite": .stringConvertible(Double.infinity),
        ])
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "request")
        #expect(object["level"] as? String == "warning")
        let partner = try #require(object["partner"] as? [String: Any])
        #expect(partner["id"] as? String == "P1")
        #expect(partner["roles"] as? [String] == ["CPO", "EMSP"])
        #expect(object["infinite"] as? String == "inf", "a number JSON cannot hold is written as text")
    }

    @Test func theHandlersProvidersAndEventsMetadataAreMerged() {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "merge") { label in
            StructuredLogHandler(label: label, metadataProvider: .init { ["trace": "T1", "shared": "provider"] }) { line in
                lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
            }
        }
        logger[metadataKey: "shared"] = "handler"
        logger[metadataKey: "instance"] = "A"
        logger.info("hello", metadata: ["shared": "event"])
        logger.debug("below the level")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        #expect(written.first?.hasSuffix(#""instance":"A","shared":"event","trace":"T1"}"# + "\n") == true)
    }

    /// A request's line is written without `Logger.Metadata` when nothing needs merging in; it
    /// is the same line, field for field and in the same order, as the metadata would make.
    @Test(arguments: [nil, 1000] as [Int?])
    func aRequestsLineWrittenDirectlyIsTheLineTheMetadataMakes(_ statusCode: Int?) throws {
        let lines = Mutex<[String]>([])
        let collect: @Sendable ([UInt8]) -> Void = { bytes in lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        let plain = Logger(label: "ocpi-cpo") { StructuredLogHandler(label: $0, write: collect) }
        // A provider (giving nothing) makes the handler merge: the metadata path.
        let merging = Logger(label: "ocpi-cpo") { StructuredLogHandler(label: $0, metadataProvider: .init { [:] }, write: collect) }
        let metrics = RequestMetrics().route(module: "locations", operation: "getLocation")
        let response = OCPIServerResponse(status: .ok, body: [], statusCode: statusCode)
        let party = OCPIParty(id: "p\"1", roles: [])
        let ids = RequestIDs("r-1", "c-1")
        for logger in [plain, merging] {
            RequestLog(logger: logger, metrics: metrics).record(method: "GET", path: "/ocpi/x\ny", response, party: party, ids: ids, since: .now)
        }
        let written = lines.withLock { $0 }
        try #require(written.count == 2)
        // Only the time and the duration may differ.
        let variable = try Regex(#""time":"[^"]*"|"duration_ms":[0-9.e-]+"#)
        #expect(written[0].replacing(variable, with: "") == written[1].replacing(variable, with: ""))
        #expect(written[0].contains(#""duration_ms":"#))
        #expect(written[0].contains(#""ocpi_status":1000"#) == (statusCode != nil))
    }
}
