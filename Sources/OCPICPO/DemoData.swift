import Foundation
import OCPI221
import OCPIRuntime
import OCPIStore

/// A small, realistic data set for a first run: three locations in Utrecht with EVSEs,
/// connectors and opening hours, and two tariffs (AC and DC). Loaded only into an empty store.
public enum DemoData {
    public static func tariffs(for party: PartyIdentity, at time: OCPIDateTime) -> [Tariff] {
        [
            Tariff(
                countryCode: party.countryCode, partyID: party.partyID, id: "AC-STANDARD", currency: "EUR", type: .regular,
                tariffAltText: [DisplayText(language: "en", text: "0.35 EUR per kWh, 0.05 EUR per hour of parking after charging")],
                elements: [
                    TariffElement(priceComponents: [PriceComponent(type: .energy, price: Decimal(string: "0.35") ?? 0, vat: 21, stepSize: 1)]),
                    TariffElement(priceComponents: [PriceComponent(type: .parkingTime, price: Decimal(string: "0.05") ?? 0, vat: 21, stepSize: 300)]),
                ],
                lastUpdated: time
            ),
            Tariff(
                countryCode: party.countryCode, partyID: party.partyID, id: "DC-FAST", currency: "EUR", type: .regular,
                tariffAltText: [DisplayText(language: "en", text: "0.59 EUR per kWh plus 1.00 EUR per session")],
                elements: [
                    TariffElement(priceComponents: [
                        PriceComponent(type: .flat, price: 1, vat: 21, stepSize: 1),
                        PriceComponent(type: .energy, price: Decimal(string: "0.59") ?? 0, vat: 21, stepSize: 1),
                    ]),
                ],
                lastUpdated: time
            ),
        ]
    }

    public static func locations(for party: PartyIdentity, at time: OCPIDateTime) -> [Location] {
        func connector(_ id: String, _ standard: ConnectorType, _ format: ConnectorFormat, _ power: PowerType, volts: Int, amps: Int, watts: Int, tariff: String) -> Connector {
            Connector(
                id: id, standard: standard, format: format, powerType: power, maxVoltage: volts, maxAmperage: amps,
                maxElectricPower: watts, tariffIDs: [tariff], lastUpdated: time
            )
        }
        func acEVSE(_ location: String, _ number: Int) -> EVSE {
            EVSE(
                uid: "\(location)-\(number)", evseID: "\(party.countryCode)*\(party.partyID)*E\(location)\(number)", status: .available,
                capabilities: [.rfidReader, .remoteStartStopCapable, .reservable, .unlockCapable],
                connectors: [connector("1", .iec62196T2, .socket, .ac3Phase, volts: 230, amps: 32, watts: 22_000, tariff: "AC-STANDARD")],
                floorLevel: "0", physicalReference: "\(number)", lastUpdated: time
            )
        }
        func dcEVSE(_ location: String, _ number: Int) -> EVSE {
            EVSE(
                uid: "\(location)-\(number)", evseID: "\(party.countryCode)*\(party.partyID)*E\(location)\(number)", status: .available,
                capabilities: [.rfidReader, .remoteStartStopCapable, .creditCardPayable],
                connectors: [
                    connector("1", .iec62196T2Combo, .cable, .dc, volts: 920, amps: 200, watts: 150_000, tariff: "DC-FAST"),
                    connector("2", .chademo, .cable, .dc, volts: 500, amps: 125, watts: 50_000, tariff: "DC-FAST"),
                ],
                physicalReference: "\(number)", lastUpdated: time
            )
        }
        let weekdays = (1...5).map { RegularHours(weekday: $0, periodBegin: "07:00", periodEnd: "22:00") }
        let weekend = (6...7).map { RegularHours(weekday: $0, periodBegin: "09:00", periodEnd: "18:00") }
        let operatorDetails = BusinessDetails(name: "Swift OCPI Charging", website: "https://example.org/charging")
        return [
            Location(
                countryCode: party.countryCode, partyID: party.partyID, id: "UTR-STATION", publish: true, name: "Utrecht Centraal P+R",
                address: "Stationsplein 1", city: "Utrecht", postalCode: "3511 ED", country: "NLD",
                coordinates: GeoLocation(latitude: "52.08947", longitude: "5.11010"), parkingType: .parkingGarage,
                evses: [acEVSE("UTR-STATION", 1), acEVSE("UTR-STATION", 2), dcEVSE("UTR-STATION", 3)],
                operator: operatorDetails, facilities: [.trainStation, .cafe], timeZone: "Europe/Amsterdam",
                openingTimes: Hours(twentyfourseven: true), lastUpdated: time
            ),
            Location(
                countryCode: party.countryCode, partyID: party.partyID, id: "UTR-MALIEBAAN", publish: true, name: "Maliebaan",
                address: "Maliebaan 50", city: "Utrecht", postalCode: "3581 CS", country: "NLD",
                coordinates: GeoLocation(latitude: "52.08720", longitude: "5.13120"), parkingType: .onStreet,
                evses: [acEVSE("UTR-MALIEBAAN", 1), acEVSE("UTR-MALIEBAAN", 2)],
                operator: operatorDetails, timeZone: "Europe/Amsterdam",
                openingTimes: Hours(twentyfourseven: true), lastUpdated: time
            ),
            Location(
                countryCode: party.countryCode, partyID: party.partyID, id: "UTR-JAARBEURS", publish: true, name: "Jaarbeurs Parking",
                address: "Jaarbeursplein 6", city: "Utrecht", postalCode: "3521 AL", country: "NLD",
                coordinates: GeoLocation(latitude: "52.08848", longitude: "5.10587"), parkingType: .parkingLot,
                evses: [dcEVSE("UTR-JAARBEURS", 1), dcEVSE("UTR-JAARBEURS", 2), acEVSE("UTR-JAARBEURS", 3)],
                operator: operatorDetails, facilities: [.parkingLot, .restaurant], timeZone: "Europe/Amsterdam",
                openingTimes: Hours(twentyfourseven: false, regularHours: weekdays + weekend), chargingWhenClosed: false,
                lastUpdated: time
            ),
        ]
    }

    /// Loads the demo data when the store holds no locations yet; whether it did.
    @discardableResult
    public static func loadIfEmpty(into store: SQLStore, party: PartyIdentity) async throws -> Bool {
        guard try await store.list(ObjectFilter(module: .locations), offset: 0, limit: 1).total == 0 else { return false }
        let objects = StoredObjects(store: store)
        let time = OCPIDateTime.now()
        for tariff in tariffs(for: party, at: time) {
            try await objects.save(tariff, key: ObjectKey(module: .tariffs, countryCode: party.countryCode, partyID: party.partyID, id: tariff.id), lastUpdated: time)
        }
        for location in locations(for: party, at: time) {
            try await objects.save(location, key: ObjectKey(module: .locations, countryCode: party.countryCode, partyID: party.partyID, id: location.id), lastUpdated: time)
        }
        return true
    }
}
