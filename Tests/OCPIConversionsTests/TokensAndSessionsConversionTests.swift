import Foundation
import OCPI211
import OCPI221
@testable import OCPICPO
import OCPIConversions
import OCPIRuntime
import Testing

/// Tokens from 2.1.1 into the store (spec/conversions/2.1.1-2.2.1.yaml) and back, and sessions
/// from the store to 2.1.1 (spec/conversions/2.2.1-2.1.1.yaml): what comes out is valid in its
/// release, and each rule does what its reason says.
@Suite struct TokensAndSessionsConversionTests {
    static func fixture<T: OCPIModel>(_ release: String, _ name: String, as _: T.Type) throws -> T {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("OCPI\(release)Tests/Fixtures/valid/\(name).json")
        let decoded = try T.decodeAndValidate(try Data(contentsOf: url))
        #expect(decoded.violations.isEmpty, "\(name): \(decoded.violations)")
        return try #require(decoded.value)
    }

    @Test func a211TokenIsStoredAsA221TokenOfTheGivenParty() throws {
        let token = try Self.fixture("211", "Token", as: OCPI211.Token.self)
        let stored = Conversion211To221().convert(token, countryCode: "DE", partyID: "OLD")
        #expect(stored.validate().isEmpty, "\(stored.validate())")
        #expect(stored.countryCode == "DE" && stored.partyID == "OLD", "the owner is the party given, never the token's")
        #expect(stored.contractID == token.authID)
        #expect(stored.uid == token.uid && stored.type == .rfid && stored.whitelist == .allowedOffline && stored.valid)
        #expect(stored.groupID == nil && stored.energyContract == nil && stored.defaultProfileType == nil, "what 2.1.1 cannot say stays absent")
        #expect(stored.lastUpdated == token.lastUpdated)

        // Back to 2.1.1 as it was sent: nothing of a 2.1.1 token is lost on the way.
        #expect(Conversion221To211().convert(stored) == token)
    }

    @Test func a221TokenLosesWhat211CannotSay() throws {
        var token = try Self.fixture("221", "Token", as: OCPI221.Token.self)
        token.type = .appUser
        token.groupID = "GROUP-1"
        let seen = Conversion221To211().convert(token)
        #expect(seen.validate().isEmpty, "\(seen.validate())")
        #expect(seen.type == .other, "an app's token is OTHER in 2.1.1")
        #expect(seen.authID == token.contractID)
        let decoded = try OCPI211.Token.decodeAndValidate(seen.jsonBytes())
        #expect(decoded.violations.isEmpty, "\(decoded.violations)")
    }

    @Test func aSessionIsSentWithItsLocationNarrowedToTheEVSEAndConnectorUsed() throws {
        let session = try Self.fixture("221", "Session", as: OCPI221.Session.self)
        let location = try Self.fixture("221", "Location", as: OCPI221.Location.self)
        let conversion = Conversion221To211()
        let narrowed = Sessions211.narrowed(conversion.convert(location), to: session)
        #expect(narrowed.evses.map(\.uid) == ["3256"], "the EVSE used, of two")
        #expect(narrowed.evses.first?.connectors.map(\.id) == ["1"], "the connector used, of two")

        let converted = conversion.convert(session, location: narrowed)
        #expect(converted.validate().isEmpty, "\(converted.validate())")
        let decoded = try OCPI211.Session.decodeAndValidate(converted.jsonBytes())
        #expect(decoded.violations.isEmpty, "valid 2.1.1 through JSON: \(decoded.violations)")
        #expect(converted.startDatetime == session.startDateTime && converted.endDatetime == session.endDateTime)
        #expect(converted.authID == "DE-KWL-C00012345-7", "the cdr_token's contract")
        #expect(converted.authMethod == .authRequest, "COMMAND has no 2.1.1 name")
        #expect(converted.totalCost == Decimal(string: "8.4652"), "without VAT")
        #expect(converted.status == .completed)
        // Only the dimensions 2.1.1 measures, in their order; every period keeps at least one.
        #expect(converted.chargingPeriods.map { $0.dimensions.map(\.type.rawValue) } == [
            ["ENERGY", "TIME"], ["ENERGY", "TIME"], ["PARKING_TIME", "ENERGY"],
        ])
        #expect(converted.chargingPeriods.first?.dimensions.first?.volume == Decimal(string: "10.25"))
    }

    @Test func aPeriodWithNothing211MeasuresIsLeftOut() throws {
        var session = try Self.fixture("221", "Session", as: OCPI221.Session.self)
        session.chargingPeriods[1].dimensions = [OCPI221.CdrDimension(type: .stateOfCharge, volume: 80)]
        session.status = .reservation
        session.totalCost = nil
        let periods = Derivations221To211().sessionChargingPeriods(session)
        #expect(periods.map(\.startDateTime) == [session.chargingPeriods[0].startDateTime, session.chargingPeriods[2].startDateTime])
        let location = Sessions211.narrowed(Conversion221To211().convert(try Self.fixture("221", "Location", as: OCPI221.Location.self)), to: session)
        let converted = Conversion221To211().convert(session, location: location)
        #expect(converted.status == .pending, "a reservation is pending in 2.1.1")
        #expect(converted.totalCost == nil)
        #expect(converted.validate().isEmpty, "\(converted.validate())")
    }

    @Test func a211CommandIsTakenAs221WithItsTokenOwnedByTheSender() throws {
        let token = try Self.fixture("211", "Token", as: OCPI211.Token.self)
        let toServer = Conversion211To221()
        let owned = toServer.convert(token, countryCode: "DE", partyID: "OLD")
        let reserve = toServer.convert(
            OCPI211.ReserveNow(
                responseURL: "https://emsp.example.com/r/1", token: token, expiryDate: OCPIDateTime(secondsSince1970: 1_900_000_000), reservationID: 42,
                locationID: "LOC-1", evseUID: "EVSE-1"
            ),
            token: owned
        )
        #expect(reserve.reservationID == "42", "the number written out")
        #expect(reserve.token.countryCode == "DE" && reserve.token.partyID == "OLD" && reserve.token.contractID == token.authID)
        #expect(reserve.validate().isEmpty, "\(reserve.validate())")
        let start = toServer.convert(OCPI211.StartSession(responseURL: "https://emsp.example.com/r/2", token: token, locationID: "LOC-1"), token: owned)
        #expect(start.connectorID == nil && start.evseUID == nil && start.validate().isEmpty)

        // The answer goes back without what 2.1.1 cannot say; the outcome in 2.1.1's five answers.
        let answer = Conversion221To211().convert(OCPI221.CommandResponse(result: .unknownSession, timeout: 30, message: [OCPI221.DisplayText(language: "en", text: "no")]))
        #expect(answer == OCPI211.CommandResponse(result: .unknownSession))
        #expect(CPOCommands211.response(.evseOccupied) == .rejected)
        #expect(CPOCommands211.response(.canceledReservation) == .accepted)
        #expect(CPOCommands211.response(.timeout) == .timeout)
        #expect(CPOCommands211.response(.notSupported) == .notSupported)
    }
}
