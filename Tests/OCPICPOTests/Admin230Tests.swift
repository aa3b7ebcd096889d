import Foundation
import OCPI221
import OCPI230
import OCPICPO
import OCPIConversions
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// The operator writes locations and tariffs in 2.3.0 below `/admin/2.3.0`: the store keeps them
/// in 2.2.1 (converted by the generated `Conversion230To221`), partners of each release read them
/// in theirs, and whatever a 2.2.1 store has no place for is refused at its pointer, with nothing
/// written (the `refuse` rules of spec/conversions/2.3.0-2.2.1.yaml). Over real HTTP.
@Suite(.holdsResources) struct Admin230Tests {
    static let party = PartyIdentity(countryCode: "NL", partyID: "SOC")
    static let token221 = "a-2.2.1-reader-token"

    static func admin(_ cpo: CPOPeer, _ method: String, _ path: String, _ body: String? = nil) async throws -> RawResponse {
        try await send(method, cpo.baseURL + "/admin/2.3.0" + path, authorization: PushTests.bearer, body: body)
    }

    /// A 2.3.0 reader (`Release230ServingTests.token`) and a 2.2.1 one.
    static func addReaders(to cpo: CPOPeer) async throws {
        try await Release230ServingTests.addPartner(to: cpo)
        try await cpo.server.registry.insert(PartnerRecord(
            id: "emsp-221", status: .registered, incomingToken: token221, version: "2.2.1",
            roles: [.init(role: .emsp, countryCode: "DE", partyID: "OLD")]
        ))
    }

    static func read230(_ cpo: CPOPeer, _ id: String) async throws -> OCPI230.Location {
        try await OCPI230.LocationsSenderClient(connection: Release230ServingTests.connection(cpo.baseURL + "/ocpi/cpo/2.3.0/locations"))
            .getLocation(locationID: id)
    }

    static func read221(_ cpo: CPOPeer, _ id: String) async throws -> OCPI221.Location {
        try await OCPI221.LocationsSenderClient(connection: Release230ServingTests.connection(cpo.baseURL + "/ocpi/cpo/2.2.1/locations", token: token221))
            .getLocation(locationID: id)
    }

    /// A 2.3.0 location made of the demo's first, with `id`.
    static func location(_ id: String, _ change: (inout OCPI230.Location) -> Void = { _ in }) -> OCPI230.Location {
        var written = DemoData.locations(for: party, at: OCPIDateTime(secondsSince1970: 1_900_000_000))[0]
        written.id = id
        var location = Conversion221To230().convert(written)
        change(&location)
        return location
    }

    static func tariff(_ id: String, _ change: (inout OCPI230.Tariff) -> Void = { _ in }) -> OCPI230.Tariff {
        var written = DemoData.tariffs(for: party, at: OCPIDateTime(secondsSince1970: 1_900_000_000))[0]
        written.id = id
        var tariff = Conversion221To230().convert(written)
        change(&tariff)
        return tariff
    }

    static func json(_ value: some OCPIModel) -> String { ModuleTests.json(value) }

    @Test func aLocationAndATariffWrittenIn230AreReadInEachRelease() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Self.addReaders(to: cpo)
            let written = Self.location("WRITTEN-230")
            #expect(written.validate().isEmpty, "\(written.validate())")
            let put = try await Self.admin(cpo, "PUT", "/locations/WRITTEN-230", Self.json(written))
            #expect(put.status == 201 && put.statusCode == 1000, "\(put.text)")

            let read230 = try await Self.read230(cpo, "WRITTEN-230")
            #expect(read230 == written, "a 2.3.0 partner reads what the operator wrote in 2.3.0")
            let read221 = try await Self.read221(cpo, "WRITTEN-230")
            #expect(read221.validate().isEmpty, "\(read221.validate())")
            #expect(read221 == Conversion230To221().convert(written), "a 2.2.1 partner reads it converted")

            // The operator's everyday write: an EVSE's status, then a connector, in 2.3.0.
            let evse = try #require(written.evses.first)
            let status = try await Self.admin(cpo, "PATCH", "/locations/WRITTEN-230/\(evse.uid)", #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}"#)
            #expect(status.status == 200 && status.statusCode == 1000, "\(status.text)")
            let connector = try #require(evse.connectors.first)
            let power = try await Self.admin(
                cpo, "PATCH", "/locations/WRITTEN-230/\(evse.uid)/\(connector.id)", #"{"max_electric_power": 7400, "last_updated": "2030-01-01T00:00:01Z"}"#
            )
            #expect(power.status == 200 && power.statusCode == 1000, "\(power.text)")
            let patched = try await Self.read230(cpo, "WRITTEN-230")
            #expect(patched.evses.first?.status == .charging)
            #expect(patched.evses.first?.connectors.first?.maxElectricPower == 7400)
            #expect(patched.lastUpdated == OCPIDateTime(secondsSince1970: 1_900_000_000), "the location's own time is the later one it had")

            // A new EVSE and a replaced connector, whole, in 2.3.0.
            var added = evse
            added.uid = "WRITTEN-230-NEW"
            added.evseID = nil
            #expect(try await Self.admin(cpo, "PUT", "/locations/WRITTEN-230/WRITTEN-230-NEW", Self.json(added)).status == 201)
            var replaced = connector
            replaced.maxVoltage = 400
            #expect(try await Self.admin(cpo, "PUT", "/locations/WRITTEN-230/\(evse.uid)/\(connector.id)", Self.json(replaced)).status == 200)
            let grown = try await Self.read230(cpo, "WRITTEN-230")
            #expect(grown.evses.map(\.uid).contains("WRITTEN-230-NEW"))
            #expect(grown.evses.first?.connectors.first?.maxVoltage == 400)

            // A tariff with bounds (PriceLimit in 2.3.0, Price in 2.2.1) and taxes on top.
            let tariff = Self.tariff("TARIFF-230") {
                $0.minPrice = OCPI230.PriceLimit(beforeTaxes: 1.5, afterTaxes: 1.815)
                $0.maxPrice = OCPI230.PriceLimit(beforeTaxes: 40)
            }
            #expect(tariff.taxIncluded == .no, "the demo's prices name VAT")
            #expect(try await Self.admin(cpo, "PUT", "/tariffs/TARIFF-230", Self.json(tariff)).status == 201)
            let stored = try await PushTests.stored(cpo, .tariffs, "TARIFF-230", as: OCPI221.Tariff.self)
            #expect(stored.minPrice == OCPI221.Price(exclVAT: 1.5, inclVAT: 1.815))
            #expect(stored.maxPrice == OCPI221.Price(exclVAT: 40))
            let tariffs = OCPI230.TariffsSenderClient(connection: Release230ServingTests.connection(cpo.baseURL + "/ocpi/cpo/2.3.0/tariffs"))
            var read: [OCPI230.Tariff] = []
            for try await each in tariffs.getTariffs() { read.append(each) }
            #expect(read.first { $0.id == "TARIFF-230" } == tariff, "read back as written")
            #expect(try await Self.admin(cpo, "DELETE", "/tariffs/TARIFF-230").statusCode == 1000)
            #expect(try await cpo.server.store.get(ObjectKey(module: .tariffs, countryCode: "NL", partyID: "SOC", id: "TARIFF-230")) == nil)
        }
    }

    /// Sessions and CDRs written in 2.3.0 are stored as the 2.2.1 objects they convert from: a
    /// Price's taxes sum into the amount with VAT, and none listed leave it out.
    @Test func sessionsAndCDRsWrittenIn230AreStoredAsTheir221Selves() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            var session221 = ModuleTests.session("S-230", for: "DE", "MSP", kwh: 3)
            session221.totalCost = OCPI221.Price(exclVAT: 1.2, inclVAT: 1.452)
            let session = Conversion221To230().convert(session221)
            #expect(session.totalCost?.taxes.map(\.amount) == [Decimal(string: "0.252") ?? 0])
            let put = try await Self.admin(cpo, "PUT", "/sessions/S-230", Self.json(session))
            #expect(put.status == 201, "\(put.text)")
            #expect(try await PushTests.stored(cpo, .sessions, "S-230", as: OCPI221.Session.self) == session221, "the 2.2.1 session it was made of")

            let patch = #"{"kwh": 12.5, "status": "COMPLETED", "total_cost": {"before_taxes": 5, "taxes": [{"name": "VAT", "amount": 1}, {"name": "city levy", "amount": 0.05}]}, "last_updated": "2030-01-01T00:00:00Z"}"#
            let patched = try await Self.admin(cpo, "PATCH", "/sessions/S-230", patch)
            #expect(patched.status == 200 && patched.statusCode == 1000, "\(patched.text)")
            let stored = try await PushTests.stored(cpo, .sessions, "S-230", as: OCPI221.Session.self)
            #expect(stored.kwh == 12.5 && stored.status == .completed)
            #expect(stored.totalCost == OCPI221.Price(exclVAT: 5, inclVAT: Decimal(string: "6.05") ?? 0), "every listed tax is added")
            let untaxed = try await Self.admin(cpo, "PATCH", "/sessions/S-230", #"{"total_cost": {"before_taxes": 6, "taxes": []}, "last_updated": "2030-01-01T00:00:01Z"}"#)
            #expect(untaxed.statusCode == 1000, "\(untaxed.text)")
            #expect(try await PushTests.stored(cpo, .sessions, "S-230", as: OCPI221.Session.self).totalCost == OCPI221.Price(exclVAT: 6), "no taxes listed: no amount with VAT")
            let invalid = try await Self.admin(cpo, "PATCH", "/sessions/S-230", #"{"total_cost": {"excl_vat": 6}, "last_updated": "2030-01-01T00:00:02Z"}"#)
            #expect(invalid.statusCode == 2001 && invalid.text.contains("/total_cost/before_taxes"), "a 2.2.1 Price is no 2.3.0 one: \(invalid.text)")

            let cdr221 = ModuleTests.cdr("C-230", for: "DE", "MSP")
            let cdr = Conversion221To230().convert(cdr221)
            let posted = try await Self.admin(cpo, "POST", "/cdrs", Self.json(cdr))
            #expect(posted.status == 201, "\(posted.text)")
            #expect(try await PushTests.stored(cpo, .cdrs, "C-230", as: OCPI221.CDR.self) == cdr221)
            #expect(try await Self.admin(cpo, "POST", "/cdrs", Self.json(cdr)).statusCode == 2001, "a CDR is final, in any release")
            var inclusive = Conversion221To230().convert(ModuleTests.cdr("C-INCL", for: "DE", "MSP"))
            inclusive.tariffs = [Self.tariff("CDR-TARIFF") { $0.taxIncluded = .yes }]
            let refused = try await Self.admin(cpo, "POST", "/cdrs", Self.json(inclusive))
            #expect(refused.statusCode == 2001 && refused.text.contains("/tariffs/0/tax_included"), "a CDR's tariffs are held to the tariffs' rules: \(refused.text)")
        }
    }

    /// EMAID, a kind of token 2.2.1 has not, is refused by its rule in
    /// spec/conversions/2.3.0-2.2.1.yaml (the generated `refusals`) wherever 2.3.0 holds a
    /// token's kind: a location's publish_allowed_to, a session's cdr_token (PUT and PATCH) and a
    /// CDR's; each at its pointer with the rule's message, and nothing is written. The same
    /// objects with an RFID token are taken.
    @Test func anEMAIDTokenKindIsRefusedWhereverA230ObjectHoldsIt() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            func refused(_ response: RawResponse, at pointer: String, _ comment: Comment) {
                #expect(response.statusCode == 2001, "\(comment): \(response.text)")
                #expect(response.text.contains(#""path":"\#(pointer)""#), "\(comment): \(response.text)")
                #expect(response.text.contains("'EMAID', a kind of token this CPO cannot keep"), "\(comment): \(response.text)")
            }
            let location = Self.location("EMAID-PLACE") { $0.publishAllowedTo = [OCPI230.PublishTokenType(uid: "DE-NEW-C12345678-9", type: .emaid)] }
            #expect(location.validate().isEmpty, "valid 2.3.0: \(location.validate())")
            refused(try await Self.admin(cpo, "PUT", "/locations/EMAID-PLACE", Self.json(location)), at: "/publish_allowed_to/0/type", "a location")
            #expect(try await cpo.server.store.get(ObjectKey(module: .locations, countryCode: "NL", partyID: "SOC", id: "EMAID-PLACE")) == nil)

            var session = Conversion221To230().convert(ModuleTests.session("S-EMAID", for: "DE", "MSP", kwh: 1))
            session.cdrToken.type = .emaid
            #expect(session.validate().isEmpty, "valid 2.3.0: \(session.validate())")
            refused(try await Self.admin(cpo, "PUT", "/sessions/S-EMAID", Self.json(session)), at: "/cdr_token/type", "a session")
            #expect(try await cpo.server.store.get(ObjectKey(module: .sessions, countryCode: "NL", partyID: "SOC", id: "S-EMAID")) == nil)
            session.cdrToken.type = .rfid
            #expect(try await Self.admin(cpo, "PUT", "/sessions/S-EMAID", Self.json(session)).status == 201, "the same session with an RFID token")
            let patch = #"{"cdr_token": {"country_code": "DE", "party_id": "MSP", "uid": "04A1B2C3", "type": "EMAID", "contract_id": "DE-MSP-C00000001"}, "last_updated": "2030-01-01T00:00:00Z"}"#
            refused(try await Self.admin(cpo, "PATCH", "/sessions/S-EMAID", patch), at: "/cdr_token/type", "a session PATCH")
            #expect(try await PushTests.stored(cpo, .sessions, "S-EMAID", as: OCPI221.Session.self).cdrToken.type == .rfid, "the PATCH changed nothing")

            var cdr = Conversion221To230().convert(ModuleTests.cdr("C-EMAID", for: "DE", "MSP"))
            cdr.cdrToken.type = .emaid
            refused(try await Self.admin(cpo, "POST", "/cdrs", Self.json(cdr)), at: "/cdr_token/type", "a CDR")
            #expect(try await cpo.server.store.get(ObjectKey(module: .cdrs, countryCode: "NL", partyID: "SOC", id: "C-EMAID")) == nil)
        }
    }

    /// A tariff without taxes (N/A) is stored with no VAT rate and read back as N/A.
    @Test func aTariffWithoutTaxesStaysWithout() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            let untaxed = Self.tariff("UNTAXED") { tariff in
                tariff.taxIncluded = .notApplicable
                for element in tariff.elements.indices {
                    for component in tariff.elements[element].priceComponents.indices { tariff.elements[element].priceComponents[component].vat = nil }
                }
            }
            #expect(try await Self.admin(cpo, "PUT", "/tariffs/UNTAXED", Self.json(untaxed)).status == 201)
            let stored = try await PushTests.stored(cpo, .tariffs, "UNTAXED", as: OCPI221.Tariff.self)
            #expect(Conversion221To230().convert(stored) == untaxed)
        }
    }

    @Test func whatA221StoreCannotKeepIsRefusedAtItsPointerAndNothingIsWritten() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Self.addReaders(to: cpo)
            func refused(_ response: RawResponse, _ pointers: [String], _ comment: Comment) {
                #expect(response.statusCode == 2001, "\(comment): \(response.text)")
                for pointer in pointers { #expect(response.text.contains("\"\(pointer)"), "\(comment): \(pointer) in \(response.text)") }
            }
            let location = Self.location("REFUSED") {
                $0.helpPhone = "+31201234567"
                $0.evses[0].parkingRestrictions = [.evOnly, OCPI230.ParkingRestriction(rawValue: "TAXIS")]
                $0.evses[1].connectors[0].standard = OCPI230.ConnectorType(rawValue: "MCS")
                $0.evses[1].acceptedServiceProviders = ["Some Provider"]
                $0.evses[0].connectors[0].capabilities = [OCPI230.ConnectorCapability(rawValue: "ISO_15118_2_PLUG_AND_CHARGE")]
            }
            #expect(location.validate().isEmpty, "valid 2.3.0: \(location.validate())")
            refused(try await Self.admin(cpo, "PUT", "/locations/REFUSED", Self.json(location)), [
                "/help_phone", "/evses/0/parking_restrictions/1", "/evses/1/connectors/0/standard", "/evses/1/accepted_service_providers",
                "/evses/0/connectors/0/capabilities",
            ], "every value 2.2.1 cannot hold, each at its pointer")
            #expect(try await cpo.server.store.get(ObjectKey(module: .locations, countryCode: "NL", partyID: "SOC", id: "REFUSED")) == nil, "nothing is written")

            // The same refusals reach PATCH bodies and single EVSEs and connectors.
            let demo = Self.location("DEMO-230")
            #expect(try await Self.admin(cpo, "PUT", "/locations/DEMO-230", Self.json(demo)).status == 201)
            let before = try await Self.read230(cpo, "DEMO-230")
            let evse = try #require(demo.evses.first)
            let connector = try #require(evse.connectors.first)
            refused(try await Self.admin(cpo, "PATCH", "/locations/DEMO-230", #"{"help_phone": "+3120", "last_updated": "2030-01-01T00:00:00Z"}"#), ["/help_phone"], "a location PATCH")
            refused(
                try await Self.admin(cpo, "PATCH", "/locations/DEMO-230/\(evse.uid)", #"{"parking_restrictions": ["TENANTS"], "last_updated": "2030-01-01T00:00:00Z"}"#),
                ["/parking_restrictions/0"], "an EVSE PATCH"
            )
            refused(
                try await Self.admin(cpo, "PATCH", "/locations/DEMO-230/\(evse.uid)/\(connector.id)", #"{"standard": "SAE_J3400", "last_updated": "2030-01-01T00:00:00Z"}"#),
                ["/standard"], "a connector PATCH"
            )
            var withParking = evse
            withParking.parking = [OCPI230.EVSEParking(parkingID: "P1")]
            refused(try await Self.admin(cpo, "PUT", "/locations/DEMO-230/\(evse.uid)", Self.json(withParking)), ["/parking"], "an EVSE PUT")
            var capable = connector
            capable.capabilities = [OCPI230.ConnectorCapability(rawValue: "ISO_15118_2_PLUG_AND_CHARGE")]
            refused(try await Self.admin(cpo, "PUT", "/locations/DEMO-230/\(evse.uid)/\(connector.id)", Self.json(capable)), ["/capabilities"], "a connector PUT")
            #expect(try await Self.read230(cpo, "DEMO-230") == before, "no refused write changed the location")

            // Tariffs: prices with taxes included, and the Payments package's amount.
            let inclusive = Self.tariff("INCLUSIVE") { $0.taxIncluded = .yes }
            refused(try await Self.admin(cpo, "PUT", "/tariffs/INCLUSIVE", Self.json(inclusive)), ["/tax_included"], "prices with taxes in")
            let preauthorized = Self.tariff("PREAUTHORIZED") { $0.preauthorizeAmount = 50 }
            refused(try await Self.admin(cpo, "PUT", "/tariffs/PREAUTHORIZED", Self.json(preauthorized)), ["/preauthorize_amount"], "a preauthorized amount")
            #expect(try await cpo.server.store.get(ObjectKey(module: .tariffs, countryCode: "NL", partyID: "SOC", id: "INCLUSIVE")) == nil)

            // Malformed and wrong-release bodies are refused as any admin write is.
            var written221 = DemoData.tariffs(for: Self.party, at: .now())[0]
            written221.id = "IN-221"
            refused(try await Self.admin(cpo, "PUT", "/tariffs/IN-221", ModuleTests.json(written221)), ["/tax_included"], "a 2.2.1 tariff lacks tax_included")
            let negative = Self.tariff("NEGATIVE") { $0.minPrice = OCPI230.PriceLimit(beforeTaxes: -1) }
            refused(try await Self.admin(cpo, "PUT", "/tariffs/NEGATIVE", Self.json(negative)), ["/min_price/before_taxes"], "the operator's rules hold in 2.3.0")
            let wrongID = try await Self.admin(cpo, "PUT", "/locations/OTHER-ID", Self.json(demo))
            #expect(wrongID.statusCode == 2001 && wrongID.text.contains("/id"), "\(wrongID.text)")
            let broken = try await Self.admin(cpo, "PUT", "/locations/DEMO-230", #"{"id": "DEMO-230", "#)
            #expect(broken.statusCode == 2001 || broken.statusCode == 2000, "\(broken.text)")
            let unauthorized = try await send("PUT", cpo.baseURL + "/admin/2.3.0/tariffs/NEGATIVE", authorization: "Bearer wrong", body: Self.json(negative))
            #expect(unauthorized.status == 401)
            // The simulator's reader is in 2.2.1 only.
            #expect(try await Self.admin(cpo, "POST", "/simulator/locations/DEMO-230/\(evse.uid)/present", #"{"uid": "X"}"#).status == 404)
        }
    }
}
