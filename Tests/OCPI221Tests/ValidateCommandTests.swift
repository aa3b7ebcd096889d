import Foundation
import OCPITestSupport
import Testing

/// `ocpi-cpo validate` run as a process: its output and exit status are a contract.
@Suite struct ValidateCommandTests {
    func run(_ arguments: [String], input: String? = nil) async throws -> BuiltExecutable.Outcome {
        try await BuiltExecutable.run("ocpi-cpo", arguments, input: input)
    }

    @Test func aValidObjectListAndEnvelopePrintOK() async throws {
        for path in ["valid/Location.json", "valid/lists/Locations.json", "valid/envelopes/LocationsPage.json"] {
            let outcome = try await run(["validate", "Location", Fixtures.root.appendingPathComponent(path).path])
            #expect(outcome.status == 0)
            #expect(outcome.output == "OK\n")
        }
    }

    @Test func violationsArePrintedOnePerLineWithExitStatus1() async throws {
        let outcome = try await run(["validate", "Connector", "-"], input: #"{"id": "1", "standard": "IEC_62196_T2", "format": "CABLE", "power_type": "AC_3_PHASE", "max_voltage": "high", "max_amperage": 16, "last_updated": "yesterday"}"#)
        #expect(outcome.status == 1)
        #expect(outcome.output == """
            /max_voltage: expected an integer, found a string
            /last_updated: 'yesterday' is not a DateTime (expected YYYY-MM-DDThh:mm:ss with optional fraction and Z)

            """)
    }

    @Test func wrongShapesAreInvalidNotErrors() async throws {
        #expect(try await run(["validate", "EVSE", "-"], input: "[]").status == 0)
        let emptyPlus = try await run(["validate", "Tariff", "-"], input: #"{"country_code": "NL", "party_id": "TNM", "id": "T1", "currency": "EUR", "elements": [], "last_updated": "2024-01-01T00:00:00Z"}"#)
        #expect(emptyPlus.status == 1)
        #expect(emptyPlus.output == "/elements: must have at least one element\n")
        let string = try await run(["validate", "Location", "-"], input: #""a string""#)
        #expect(string.status == 1)
        #expect(string.output == "/: expected an object (Location), found a string\n")
    }

    @Test func envelopeViolationsAreBelowData() async throws {
        let outcome = try await run(["validate", "DisplayText", "-"], input: #"{"data": [{"language": "en", "text": "ok"}, {"language": "eng", "text": "x"}], "status_code": 1000, "timestamp": "2024-01-01T00:00:00Z"}"#)
        #expect(outcome.status == 1)
        #expect(outcome.output == "/data/1/language: must be exactly 2 characters long (is 3)\n")
    }

    @Test func patchBodies() async throws {
        #expect(try await run(["validate", "--patch", "EVSE", "-"], input: #"{"status": "CHARGING", "last_updated": "2024-01-01T00:00:00Z"}"#).output == "OK\n")
        let missing = try await run(["validate", "--patch", "EVSE", "-"], input: #"{"status": "CHARGING"}"#)
        #expect(missing.status == 1)
        #expect(missing.output == "/last_updated: is required but missing\n")
        let notPatched = try await run(["validate", "--patch", "Tariff", "-"], input: "{}")
        #expect(notPatched.status == 2)
        #expect(notPatched.error.contains("Tariff is never sent by PATCH"))
    }

    @Test func unreadableInputAndUnknownTypesExit2() async throws {
        let unknown = try await run(["validate", "Locaton", "-"], input: "{}")
        #expect(unknown.status == 2)
        #expect(unknown.error.hasPrefix("error: unknown type 'Locaton'"))
        let notJSON = try await run(["validate", "Location", "-"], input: "{not json")
        #expect(notJSON.status == 2)
        #expect(notJSON.error.contains("is not JSON"))
        let missingFile = try await run(["validate", "Location", "/nonexistent/file.json"])
        #expect(missingFile.status == 2)
        #expect(missingFile.error.contains("cannot read /nonexistent/file.json"))
    }
}
