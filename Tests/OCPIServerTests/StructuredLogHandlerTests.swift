import Foundation
import Logging
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
}
