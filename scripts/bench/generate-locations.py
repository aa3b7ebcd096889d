#!/usr/bin/env python3
"""Writes a JSON list of OCPI 2.2.1 Locations for the server benchmark.

    generate-locations.py COUNT [--country-code NL] [--party-id SOC] > locations.json

Each location has 3 EVSEs of 2 connectors each, and a realistic spread of the optional fields
(operator, opening times, facilities, images are left out). The data is deterministic: the
same COUNT gives the same bytes. Locations are written one at a time, so a million of them
(about 2.4 GB) take no more memory than ten.
"""
import argparse
import json
import sys

STATUSES = ["AVAILABLE", "CHARGING", "AVAILABLE", "OUTOFORDER", "AVAILABLE", "BLOCKED"]
CITIES = [("Amsterdam", "1012 AB", 52.3702, 4.8952), ("Utrecht", "3511 CE", 52.0907, 5.1214),
          ("Rotterdam", "3011 AD", 51.9244, 4.4777), ("Den Haag", "2511 BT", 52.0705, 4.3007)]


def connector(number, kind, updated):
    if kind == "dc":
        return {"id": str(number), "standard": "IEC_62196_T2_COMBO", "format": "CABLE", "power_type": "DC",
                "max_voltage": 920, "max_amperage": 200, "max_electric_power": 150000,
                "tariff_ids": ["DC-FAST"], "last_updated": updated}
    return {"id": str(number), "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
            "max_voltage": 400, "max_amperage": 32, "max_electric_power": 22000,
            "tariff_ids": ["AC-STANDARD"], "last_updated": updated}


def location(index, country_code, party_id):
    city, postal_code, latitude, longitude = CITIES[index % len(CITIES)]
    updated = "2026-%02d-%02dT%02d:%02d:00Z" % (index % 12 + 1, index % 28 + 1, index % 24, index % 60)
    evses = []
    for number in range(1, 4):
        kind = "dc" if number == 3 else "ac"
        evses.append({
            "uid": "LOC-%05d-%d" % (index, number),
            "evse_id": "%s*%s*E%05d%d" % (country_code, party_id, index, number),
            "status": STATUSES[(index + number) % len(STATUSES)],
            "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
            "connectors": [connector(1, kind, updated), connector(2, "ac", updated)],
            "physical_reference": "%d" % number,
            "last_updated": updated,
        })
    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": "LOC-%05d" % index,
        "publish": True,
        "name": "Station %d" % index,
        "address": "Stationsplein %d" % (index % 300 + 1),
        "city": city,
        "postal_code": postal_code,
        "country": "NLD",
        "coordinates": {"latitude": "%.6f" % (latitude + (index % 1000) / 100000),
                        "longitude": "%.6f" % (longitude + (index // 1000) / 100000)},
        "parking_type": "ON_STREET",
        "evses": evses,
        "operator": {"name": "Bench Charging B.V.", "website": "https://charging.example.com"},
        "facilities": ["CAFE", "SUPERMARKET"],
        "time_zone": "Europe/Amsterdam",
        "opening_times": {"twentyfourseven": True},
        "charging_when_closed": True,
        "last_updated": updated,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--country-code", default="NL")
    parser.add_argument("--party-id", default="SOC")
    options = parser.parse_args()
    # The bytes json.dump writes for the whole list, one location at a time.
    out = sys.stdout
    out.write("[")
    for index in range(1, options.count + 1):
        if index > 1:
            out.write(",")
        out.write(json.dumps(location(index, options.country_code, options.party_id), separators=(",", ":")))
    out.write("]")
    out.flush()


if __name__ == "__main__":
    main()
