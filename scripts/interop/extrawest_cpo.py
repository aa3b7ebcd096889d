#!/usr/bin/env python3
"""An OCPI 2.2.1 CPO built on extrawest-ocpi (py_ocpi), for crawling with ocpi-cpo's clients.

    extrawest_cpo.py --port 9300 --token TOKEN [--token-a TOKEN_A] [--locations 230]

It is the library's CPO as an application builds it (`py_ocpi.get_application` with the CPO
role) over data held in memory: LOCATIONS locations (230 by default: five pages of the library's
default 50), three tariffs, four sessions (one still charging) and three CDRs of one eMSP
(--emsp-party).

The data is valid OCPI 2.2.1 (`--dump-data DIR` writes it out, for `ocpi-cpo validate`), and is
served through the library's own models, so what a client reads is what py_ocpi makes of it.
Where the library's models and OCPI disagree the data keeps to what both accept (no EVSE
status_schedule, no environ_impact in an energy mix), except where OCPI requires what the library
lacks: each CDR carries cdr_location.evse_uid, which py_ocpi's CdrLocation does not know and so
drops from what it serves.

Authentication is py_ocpi's: every request carries `Authorization: Token <base64 of TOKEN>`,
and TOKEN (as given to --token, plain) must be one the application accepts. --token may be given
several times; --token-a additionally accepts one registration through the credentials module.

GET /interop/state (no token; 127.0.0.1 only) returns the registrations and every request
with its HTTP status.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from extrawest_common import (
    CredentialsDesk,
    ObjectStore,
    RequestLog,
    add_state_route,
    configure_library,
    display_roles,
    make_authenticator,
    module_name,
    object_key,
    paginate,
    party_argument,
    serve,
    versions_url,
)

EPOCH = datetime(2025, 6, 1, tzinfo=timezone.utc)
CITIES = ["Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main"]
STATUSES = ["AVAILABLE", "CHARGING", "AVAILABLE", "OUTOFORDER", "BLOCKED", "AVAILABLE"]


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def price(excl_vat: float) -> dict:
    return {"excl_vat": round(excl_vat, 4), "incl_vat": round(excl_vat * 1.19, 4)}


class CpoData:
    """Everything the CPO serves, as OCPI 2.2.1 objects of party `country_code`/`party_id`."""

    def __init__(self, country_code: str, party_id: str, emsp: tuple[str, str], location_count: int) -> None:
        self.country_code, self.party_id = country_code, party_id
        self.emsp_country_code, self.emsp_party_id = emsp
        self.tariffs = self._tariffs()
        self.locations = [self._location(number) for number in range(1, location_count + 1)]
        self.sessions = [self._session(number) for number in range(1, 5)]
        self.cdrs = [self._cdr(session) for session in self.sessions if session["status"] == "COMPLETED"]

    def owned(self, object_id: str, last_updated: datetime) -> dict:
        return {"country_code": self.country_code, "party_id": self.party_id, "id": object_id,
                "last_updated": timestamp(last_updated)}

    def _tariffs(self) -> list[dict]:
        energy_mix = {  # supplier and product names: optional in OCPI, required by py_ocpi
            "is_green_energy": True,
            "energy_sources": [{"source": "WIND", "percentage": 70}, {"source": "SOLAR", "percentage": 30}],
            "supplier_name": "Interop Ökostrom GmbH",
            "energy_product_name": "Wind & Sonne",
        }
        return [
            self.owned("EXC-AC", EPOCH) | {
                "currency": "EUR", "type": "REGULAR",
                "tariff_alt_text": [{"language": "en", "text": "EUR 0.39 per kWh, EUR 2 per hour parked after 4 hours."}],
                "elements": [
                    {"price_components": [{"type": "ENERGY", "price": 0.39, "vat": 19, "step_size": 1}]},
                    {"price_components": [{"type": "PARKING_TIME", "price": 2.0, "vat": 19, "step_size": 300}],
                     "restrictions": {"min_duration": 14400}},
                ],
                "energy_mix": energy_mix,
            },
            self.owned("EXC-DC", EPOCH + timedelta(hours=1)) | {
                "currency": "EUR", "type": "REGULAR",
                "elements": [
                    {"price_components": [{"type": "ENERGY", "price": 0.59, "vat": 19, "step_size": 1},
                                          {"type": "FLAT", "price": 0.5, "vat": 19, "step_size": 1}],
                     "restrictions": {"start_time": "07:00", "end_time": "22:00",
                                      "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]}},
                    {"price_components": [{"type": "ENERGY", "price": 0.49, "vat": 19, "step_size": 1}]},
                ],
                "min_price": price(1.0),
            },
            self.owned("EXC-AD-HOC", EPOCH + timedelta(hours=2)) | {
                "currency": "EUR", "type": "AD_HOC_PAYMENT",
                "elements": [{"price_components": [{"type": "TIME", "price": 3.0, "vat": 19, "step_size": 60}]}],
                "start_date_time": timestamp(EPOCH),
            },
        ]

    def _location(self, number: int) -> dict:
        location_id = f"EXC-LOC-{number:04d}"
        updated = EPOCH + timedelta(minutes=number)
        return self.owned(location_id, updated) | {
            "publish": True,
            "name": f"Extrawest interop site {number}",
            "address": f"Teststraße {number}",
            "city": CITIES[number % len(CITIES)],
            "postal_code": f"{10000 + number}",
            "country": "DEU",
            "coordinates": {"latitude": f"{52 + number / 1000:.6f}", "longitude": f"{13 + number / 1000:.6f}"},
            "parking_type": "ON_STREET",
            "evses": [self._evse(location_id, number, slot, updated) for slot in (1, 2)],
            "operator": {"name": "Extrawest interop CPO"},
            "facilities": ["SUPERMARKET"] if number % 2 else [],
            "time_zone": "Europe/Berlin",
            "opening_times": {"twentyfourseven": True},
        }

    def _evse(self, location_id: str, number: int, slot: int, updated: datetime) -> dict:
        dc = slot == 2
        return {
            "uid": f"{location_id}-{slot}",
            "evse_id": f"{self.country_code}*{self.party_id}*E{number:04d}{slot}",
            "status": STATUSES[(number + slot) % len(STATUSES)],
            "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
            "connectors": [{
                "id": "1",
                "standard": "IEC_62196_T2_COMBO" if dc else "IEC_62196_T2",
                "format": "CABLE" if dc else "SOCKET",
                "power_type": "DC" if dc else "AC_3_PHASE",
                "max_voltage": 920 if dc else 400,
                "max_amperage": 200 if dc else 32,
                "max_electric_power": 150000 if dc else 22000,
                "tariff_ids": ["EXC-DC" if dc else "EXC-AC"],
                "last_updated": timestamp(updated),
            }],
            "physical_reference": f"{slot}",
            "last_updated": timestamp(updated),
        }

    def _session(self, number: int) -> dict:
        location = self.locations[number - 1]
        evse = location["evses"][0]
        start = EPOCH + timedelta(days=10, hours=number)
        active = number == 4  # the last one is still charging, so it has no CDR
        kwh = 7.5 * number
        session = self.owned(f"EXC-SES-{number:04d}", start + timedelta(hours=1)) | {
            "start_date_time": timestamp(start),
            "kwh": kwh,
            "cdr_token": self._cdr_token(number),
            "auth_method": "WHITELIST",
            "location_id": location["id"],
            "evse_uid": evse["uid"],
            "connector_id": evse["connectors"][0]["id"],
            "currency": "EUR",
            "charging_periods": [{"start_date_time": timestamp(start),
                                  "dimensions": [{"type": "ENERGY", "volume": kwh}, {"type": "TIME", "volume": 1}],
                                  "tariff_id": "EXC-AC"}],
            "total_cost": price(0.39 * kwh),
            "status": "ACTIVE" if active else "COMPLETED",
        }
        if not active:
            session["end_date_time"] = timestamp(start + timedelta(hours=1))
        return session

    def _cdr_token(self, number: int) -> dict:
        return {"country_code": self.emsp_country_code, "party_id": self.emsp_party_id,
                "uid": f"{self.emsp_party_id}-RFID-{number:04d}", "type": "RFID",
                "contract_id": f"{self.emsp_country_code}-{self.emsp_party_id}-C{number:08d}"}

    def _cdr(self, session: dict) -> dict:
        location = next(item for item in self.locations if item["id"] == session["location_id"])
        evse = next(item for item in location["evses"] if item["uid"] == session["evse_uid"])
        connector = evse["connectors"][0]
        ended = datetime.fromisoformat(session["end_date_time"].replace("Z", "+00:00"))
        return self.owned(f"EXC-CDR-{session['id'][-4:]}", ended + timedelta(minutes=5)) | {
            "start_date_time": session["start_date_time"],
            "end_date_time": session["end_date_time"],
            "session_id": session["id"],
            "cdr_token": session["cdr_token"],
            "auth_method": session["auth_method"],
            "cdr_location": {
                "id": location["id"], "name": location["name"], "address": location["address"],
                "city": location["city"], "postal_code": location["postal_code"], "country": location["country"],
                "coordinates": location["coordinates"],
                "evse_uid": evse["uid"],  # required by OCPI 2.2.1; py_ocpi's CdrLocation has no such field
                "evse_id": evse["evse_id"],
                "connector_id": connector["id"], "connector_standard": connector["standard"],
                "connector_format": connector["format"], "connector_power_type": connector["power_type"],
            },
            "currency": "EUR",
            "tariffs": [self.tariffs[0]],
            "charging_periods": session["charging_periods"],
            "total_cost": session["total_cost"],
            "total_energy": session["kwh"],
            "total_energy_cost": session["total_cost"],
            "total_time": 1,
        }

    def by_module(self) -> dict[str, list[dict]]:
        return {"locations": self.locations, "tariffs": self.tariffs, "sessions": self.sessions, "cdrs": self.cdrs}


def check_against_library(data: CpoData) -> None:
    """Fails at start if py_ocpi's models refuse an object (it would answer 3000 for its page)."""
    from py_ocpi.core.adapter import BaseAdapter

    adapters = {"locations": BaseAdapter.location_adapter, "tariffs": BaseAdapter.tariff_adapter,
                "sessions": BaseAdapter.session_adapter, "cdrs": BaseAdapter.cdr_adapter}
    for module, objects in data.by_module().items():
        for item in objects:
            adapters[module](item)


class CpoCrud:
    """py_ocpi's CRUD contract for a CPO's sender modules, over `CpoData` (read-only)."""

    def __init__(self, store: ObjectStore, desk: CredentialsDesk) -> None:
        self.store = store
        self.desk = desk

    async def get(self, module: Any, role: Any, id: Any, *args: Any, **kwargs: Any) -> dict | None:
        name = module_name(module)
        if name == "credentials":
            return self.desk.own_credentials(self.desk.partner_for(id))
        return self.store.get(name, object_key(id))

    async def list(self, module: Any, role: Any, filters: dict, *args: Any, **kwargs: Any) -> tuple[list, int, bool]:
        return paginate(self.store.values(module_name(module)), filters)

    async def create(self, module: Any, role: Any, data: dict, *args: Any, **kwargs: Any) -> dict | None:
        if module_name(module) == "credentials":
            return self.desk.register(data, kwargs.get("auth_token"))
        return None

    async def update(self, module: Any, role: Any, data: dict, id: Any, *args: Any, **kwargs: Any) -> dict | None:
        if module_name(module) == "credentials":
            return self.desk.update(data, kwargs.get("auth_token"))
        return None

    async def delete(self, module: Any, role: Any, id: Any, *args: Any, **kwargs: Any) -> None:
        if module_name(module) == "credentials":
            self.desk.unregister(id)

    async def do(self, *args: Any, **kwargs: Any) -> None:
        return None


def build_app(args: argparse.Namespace, data: CpoData) -> Any:
    # Imported here, after configure_library, because py_ocpi fixes its URLs at import.
    from py_ocpi import get_application
    from py_ocpi.core.enums import ModuleID, RoleEnum
    from py_ocpi.modules.versions.enums import VersionNumber

    check_against_library(data)
    desk = CredentialsDesk(
        own_versions_url=versions_url(args.port),
        own_roles=display_roles("CPO", data.country_code, data.party_id, "Extrawest interop CPO"),
        registration_tokens={args.token_a} if args.token_a else set(),
        static_tokens=set(args.token),
    )
    store = ObjectStore()
    for module, objects in data.by_module().items():
        for item in objects:
            store.put(module, object_key(item["id"]), item)

    app = get_application(
        version_numbers=[VersionNumber.v_2_2_1],
        roles=[RoleEnum.cpo],
        crud=CpoCrud(store, desk),
        modules=[
            ModuleID.credentials_and_registration,
            ModuleID.locations,
            ModuleID.sessions,
            ModuleID.cdrs,
            ModuleID.tariffs,
        ],
        authenticator=make_authenticator(desk),
    )
    log = RequestLog()
    add_state_route(app, lambda: {
        "role": "CPO",
        "party": {"country_code": data.country_code, "party_id": data.party_id},
        "versions_url": versions_url(args.port),
        "credentials": desk.state(),
        "served": {module: len(objects) for module, objects in data.by_module().items()},
        "requests": list(log.entries),
    })
    log.install(app)
    return app


def dump_data(data: CpoData, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for module, objects in data.by_module().items():
        (directory / f"{module}.json").write_text(json.dumps(objects, indent=1, ensure_ascii=False) + "\n")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9300, help="port on 127.0.0.1 (default 9300)")
    parser.add_argument("--token", action="append", default=[],
                        help="a credentials token clients may use (plain; sent base64-encoded); repeatable")
    parser.add_argument("--token-a", help="also accept one registration (credentials POST) with this token A")
    parser.add_argument("--party", type=party_argument, default=("DE", "EXC"), metavar="CC/PID",
                        help="our country code and party id (default DE/EXC)")
    parser.add_argument("--emsp-party", type=party_argument, default=("NL", "MSP"), metavar="CC/PID",
                        help="the eMSP whose tokens the sessions and CDRs carry (default NL/MSP)")
    parser.add_argument("--locations", type=int, default=230, help="how many locations (default 230)")
    parser.add_argument("--dump-data", type=Path, metavar="DIR",
                        help="write the data as JSON lists (locations.json, ...) to DIR and exit")
    args = parser.parse_args()
    if not args.token and not args.token_a and not args.dump_data:
        parser.error("give --token (or --token-a): without one no client gets in")
    return args


def main() -> None:
    args = parse_args()
    country_code, party_id = args.party
    data = CpoData(country_code, party_id, emsp=args.emsp_party, location_count=args.locations)
    if args.dump_data:
        dump_data(data, args.dump_data)
        return
    configure_library(args.port)
    serve(build_app(args, data), args.port)


if __name__ == "__main__":
    main()
