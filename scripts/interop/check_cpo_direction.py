#!/usr/bin/env python3
"""The checks of direction (a): ocpi-cpo as the CPO, extrawest-ocpi as its eMSP.

Run by run-cpo-direction.sh once both servers are up; standard library only. It registers
ocpi-cpo with the eMSP (`ocpi-cpo parties register`), changes objects through ocpi-cpo's admin
API and reads each one back through the eMSP's OCPI receiver GETs, at the URLs the eMSP published,
with the token the eMSP gave ocpi-cpo. Then token sync: ocpi-cpo pulls the eMSP's tokens
(`ocpi-cpo parties sync-tokens`), checked by asking ocpi-cpo's Tokens receiver for each of them
with the eMSP's own credentials. Last, that the eMSP redirected none of the requests it got: every
endpoint URL was used in the form the eMSP published it (with or without a trailing slash).

Prints one line per check (`ok`, `FAIL` or `skip`, the check, the detail or reason) and exits 0
only when no check failed. A skipped check is one that the ocpi-cpo under test cannot do yet.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PUSH_TIMEOUT = 10.0  # seconds a pushed change may take to show at the eMSP
POLL_INTERVAL = 0.2
HTTP_TIMEOUT = 10.0
COMMAND_TIMEOUT = 120.0


@dataclass
class Reply:
    status: int
    body: Any  # the decoded JSON, or the text when it is not JSON
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case

    @property
    def ocpi_status(self) -> int | None:
        return self.body.get("status_code") if isinstance(self.body, dict) else None

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    def summary(self) -> str:
        text = json.dumps(self.body) if not isinstance(self.body, str) else self.body
        return f"HTTP {self.status} {text[:200]}"


def request(method: str, url: str, authorization: str | None = None, body: Any = None) -> Reply:
    """One HTTP exchange; redirects are not followed, so that a 307 shows as what it is."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if authorization:
        headers["Authorization"] = authorization
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(urllib.request.Request(url, data=data, method=method, headers=headers), timeout=HTTP_TIMEOUT) as answer:
            return Reply(answer.status, decode(answer.read()), lower_keys(answer.headers))
    except urllib.error.HTTPError as error:
        return Reply(error.code, decode(error.read()), lower_keys(error.headers))
    except (urllib.error.URLError, OSError) as error:
        return Reply(0, f"no answer: {error}")


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def lower_keys(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def join(base: str, *parts: str) -> str:
    """An endpoint URL as published (with or without its trailing slash) and a path below it."""
    return base.rstrip("/") + "/" + "/".join(parts)


def decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def first_line(run: subprocess.CompletedProcess) -> str:
    """The error a failed command printed (its `Error:` line, else its first), for a one-line report."""
    lines = (run.stderr.strip() or run.stdout.strip()).splitlines()
    return next((line for line in lines if line.startswith("Error:")), lines[0] if lines else "no output")


def ocpi_token(token: str) -> str:
    """The Authorization header OCPI 2.2.1 asks for: the token, base64-encoded."""
    return "Token " + base64.b64encode(token.encode()).decode()


def same(left: Any, right: Any) -> bool:
    """Equal, with strings compared case-insensitively: extrawest lowercases every CiString."""
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return left == right


class Report:
    def __init__(self) -> None:
        self.failures = 0

    def ok(self, check: str, detail: str) -> None:
        print(f"ok    {check}: {detail}", flush=True)

    def fail(self, check: str, reason: str) -> None:
        self.failures += 1
        print(f"FAIL  {check}: {reason}", flush=True)

    def skip(self, check: str, reason: str) -> None:
        print(f"skip  {check}: {reason}", flush=True)


def wait_for(probe: Callable[[], tuple[bool, str]], timeout: float = PUSH_TIMEOUT) -> tuple[bool, str]:
    """Polls `probe` until it says yes or `timeout` runs out; returns its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        done, detail = probe()
        if done or time.monotonic() >= deadline:
            return done, detail
        time.sleep(POLL_INTERVAL)


class Objects:
    """The objects pushed: valid OCPI 2.2.1 of the CPO's party, for the eMSP's party."""

    def __init__(self, cpo_party: tuple[str, str], emsp_party: tuple[str, str]) -> None:
        self.cc, self.pid = cpo_party
        self.token = {"country_code": emsp_party[0], "party_id": emsp_party[1], "uid": f"{emsp_party[1]}-RFID-0001",
                      "type": "RFID", "contract_id": f"{emsp_party[0]}-{emsp_party[1]}-C00000001"}

    def location(self) -> dict:
        return {
            "country_code": self.cc, "party_id": self.pid, "id": "EXW-LOC-1", "publish": True,
            "name": "Interop Garage", "address": "Stationsplein 1", "city": "Utrecht", "postal_code": "3511 ED",
            "country": "NLD", "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
            "parking_type": "PARKING_GARAGE",
            "evses": [{
                "uid": "EXW-LOC-1-E1", "evse_id": f"{self.cc}*{self.pid}*E0001*1", "status": "AVAILABLE",
                "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
                "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
                                "max_voltage": 230, "max_amperage": 32, "max_electric_power": 22000,
                                "tariff_ids": ["EXW-TARIFF-1"], "last_updated": "2026-01-01T10:00:00Z"}],
                "last_updated": "2026-01-01T10:00:00Z",
            }],
            "time_zone": "Europe/Amsterdam", "last_updated": "2026-01-01T10:00:00Z",
        }

    def tariff(self) -> dict:
        return {
            "country_code": self.cc, "party_id": self.pid, "id": "EXW-TARIFF-1", "currency": "EUR", "type": "REGULAR",
            "tariff_alt_text": [{"language": "en", "text": "EUR 0.35 per kWh"}],
            "elements": [{"price_components": [{"type": "ENERGY", "price": 0.35, "vat": 21, "step_size": 1}]}],
            "last_updated": "2026-01-01T10:00:00Z",
        }

    def session(self) -> dict:
        return {
            "country_code": self.cc, "party_id": self.pid, "id": "EXW-SESSION-1",
            "start_date_time": "2026-01-01T11:00:00Z", "kwh": 0, "cdr_token": self.token, "auth_method": "WHITELIST",
            "location_id": "EXW-LOC-1", "evse_uid": "EXW-LOC-1-E1", "connector_id": "1", "currency": "EUR",
            "status": "ACTIVE", "last_updated": "2026-01-01T11:00:00Z",
        }

    @staticmethod
    def session_progress() -> dict:
        return {"kwh": 5.5, "charging_periods": [{"start_date_time": "2026-01-01T11:00:00Z",
                                                  "dimensions": [{"type": "ENERGY", "volume": 5.5}]}],
                "last_updated": "2026-01-01T11:30:00Z"}

    def cdr(self) -> dict:
        location = self.location()
        evse = location["evses"][0]
        connector = evse["connectors"][0]
        return {
            "country_code": self.cc, "party_id": self.pid, "id": "EXW-CDR-1",
            "start_date_time": "2026-01-01T11:00:00Z", "end_date_time": "2026-01-01T12:00:00Z",
            "session_id": "EXW-SESSION-1", "cdr_token": self.token, "auth_method": "WHITELIST",
            "cdr_location": {
                "id": location["id"], "name": location["name"], "address": location["address"], "city": location["city"],
                "postal_code": location["postal_code"], "country": location["country"], "coordinates": location["coordinates"],
                "evse_uid": evse["uid"], "evse_id": evse["evse_id"], "connector_id": connector["id"],
                "connector_standard": connector["standard"], "connector_format": connector["format"],
                "connector_power_type": connector["power_type"],
            },
            "currency": "EUR",
            "charging_periods": [{"start_date_time": "2026-01-01T11:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 11}],
                                  "tariff_id": "EXW-TARIFF-1"}],
            "total_cost": {"excl_vat": 3.85, "incl_vat": 4.66}, "total_energy": 11,
            "total_energy_cost": {"excl_vat": 3.85, "incl_vat": 4.66}, "total_time": 1,
            "last_updated": "2026-01-01T12:00:01Z",
        }


@dataclass
class Registration:
    """What the eMSP holds after the handshake (from its /interop/state)."""

    partner_id: str | None
    emsp_token: str  # the token the eMSP gave ocpi-cpo: ocpi-cpo presents it at the eMSP
    cpo_token: str  # the token ocpi-cpo gave the eMSP: the eMSP presents it at ocpi-cpo
    cpo_endpoints: list[dict]
    emsp_endpoints: dict[str, str]  # module -> URL, as the eMSP publishes them


class Direction:
    def __init__(self, args: argparse.Namespace, report: Report) -> None:
        self.args = args
        self.report = report
        self.cpo_party = (args.country_code, args.party_id)
        self.admin_url = f"{args.cpo_url}/admin/2.2.1"
        self.emsp_versions_url = f"{args.emsp_url}/ocpi/versions"
        state = self.emsp_state()
        self.emsp_party = (state["party"]["country_code"], state["party"]["party_id"])
        self.objects = Objects(self.cpo_party, self.emsp_party)

    def emsp_state(self) -> dict:
        answer = request("GET", f"{self.args.emsp_url}/interop/state")
        if not isinstance(answer.body, dict):
            raise RuntimeError(f"the eMSP's /interop/state answers {answer.summary()}")
        return answer.body

    def ocpi_cpo(self, *arguments: str) -> subprocess.CompletedProcess:
        command = [self.args.ocpi_cpo, *arguments]
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(command, -1, "", f"Error: no end within {COMMAND_TIMEOUT:.0f} s")

    # Registration

    def register(self) -> Registration | None:
        check = "register (ocpi-cpo parties register)"
        run = self.ocpi_cpo("parties", "register", "--versions-url", self.emsp_versions_url, "--token", self.args.token_a,
                            "--database", self.args.database, "--country-code", self.cpo_party[0],
                            "--party-id", self.cpo_party[1])
        if run.returncode != 0:
            self.report.fail(check, f"exit {run.returncode}: {first_line(run)}")
            return None
        self.report.ok(check, "; ".join(run.stdout.split("\n")).strip("; "))
        match = re.search(r"partner id (\S+)", run.stdout)
        return self.handshake(match.group(1) if match else None)

    def handshake(self, partner_id: str | None) -> Registration | None:
        check = "handshake (the eMSP called ocpi-cpo back)"
        partners = self.emsp_state()["credentials"]["partners"]
        cpo_versions_url = f"{self.args.cpo_url}/ocpi/versions"
        partner = next((item for item in partners if item["versions_url"] == cpo_versions_url), None)
        if partner is None or not partner["endpoints"]:
            self.report.fail(check, f"the eMSP holds no registration with {cpo_versions_url} and its endpoints: {partners}")
            return None
        versions = request("GET", self.emsp_versions_url, ocpi_token(partner["our_token"]))
        version_url = next((item["url"] for item in versions.data or [] if item.get("version") == "2.2.1"), None)
        endpoints = request("GET", version_url, ocpi_token(partner["our_token"])).data if version_url else None
        if not endpoints:
            self.report.fail(check, f"the eMSP's versions do not open with the token it gave us: {versions.summary()}")
            return None
        # The eMSP says how it publishes its endpoint URLs; each must be in that form, or this
        # run would not test the form it claims to.
        slash = self.emsp_state().get("trailing_slash", True)
        other = [item["url"] for item in endpoints["endpoints"] if item["url"].endswith("/") != slash]
        if other:
            self.report.fail(check, f"the eMSP publishes {', '.join(other)}, not {'with' if slash else 'without'} a trailing slash")
            return None
        self.report.ok(check, f"it read our versions and {len(partner['endpoints'])} endpoints (OCPI {partner['version']}),"
                              f" and its token opens its own version details, which publish"
                              f" {len(endpoints['endpoints'])} endpoint URLs {'with' if slash else 'without'} a trailing slash")
        return Registration(
            partner_id=partner_id,
            emsp_token=partner["our_token"],
            cpo_token=partner["partner_token"],
            cpo_endpoints=partner["endpoints"],
            emsp_endpoints={item["identifier"]: item["url"] for item in endpoints["endpoints"]},
        )

    # Pushes

    def admin(self, method: str, path: str, body: Any) -> Reply:
        return request(method, self.admin_url + path, f"Bearer {self.args.admin_token}", body)

    def emsp_get(self, registration: Registration, module: str, *path: str) -> Reply:
        url = join(registration.emsp_endpoints[module], *path)
        return request("GET", url, ocpi_token(registration.emsp_token))

    def push(self, check: str, method: str, path: str, body: Any, read_back: Callable[[], tuple[bool, str]]) -> None:
        answer = self.admin(method, path, body)
        if answer.status not in (200, 201) or answer.ocpi_status != 1000:
            self.report.fail(check, f"the admin API refused the change: {answer.summary()}")
            return
        arrived, detail = wait_for(read_back)
        if arrived:
            self.report.ok(check, detail)
        else:
            self.report.fail(check, f"not at the eMSP within {PUSH_TIMEOUT:.0f} s: {detail}")

    def read_one(self, registration: Registration, module: str, *path: str) -> tuple[dict | None, str]:
        """The object at the eMSP's receiver GET (extrawest wraps it in a one-element list)."""
        answer = self.emsp_get(registration, module, *path)
        data = answer.data
        found = data[0] if isinstance(data, list) and data else data if isinstance(data, dict) else None
        return (found if answer.status == 200 and answer.ocpi_status == 1000 else None), answer.summary()

    def pushes(self, registration: Registration) -> None:
        objects, party = self.objects, self.cpo_party
        location, tariff, session, cdr = objects.location(), objects.tariff(), objects.session(), objects.cdr()

        def expect(module: str, path: tuple[str, ...], test: Callable[[dict], bool],
                   describe: Callable[[dict], str]) -> Callable[[], tuple[bool, str]]:
            def probe() -> tuple[bool, str]:
                found, summary = self.read_one(registration, module, *path)
                if found is not None and test(found):
                    return True, describe(found)
                return False, f"GET answers {summary}"
            return probe

        self.push("location PUT", "PUT", f"/locations/{location['id']}", location,
                  expect("locations", (*party, location["id"]),
                         lambda got: same(got["id"], location["id"]) and got["name"] == location["name"],
                         lambda got: f"location {location['id']} read back from the eMSP"))
        evse = location["evses"][0]["uid"]
        self.push("EVSE status PATCH", "PATCH", f"/locations/{location['id']}/{evse}",
                  {"status": "CHARGING", "last_updated": "2026-01-01T10:05:00Z"},
                  expect("locations", (*party, location["id"], evse), lambda got: got["status"] == "CHARGING",
                         lambda got: f"EVSE {evse} is CHARGING at the eMSP"))
        self.push("tariff PUT", "PUT", f"/tariffs/{tariff['id']}", tariff,
                  expect("tariffs", (*party, tariff["id"]),
                         lambda got: got["elements"][0]["price_components"][0]["price"] == 0.35,
                         lambda got: f"tariff {tariff['id']} read back from the eMSP"))
        self.push("session PUT", "PUT", f"/sessions/{session['id']}", session,
                  expect("sessions", (*party, session["id"]), lambda got: got["status"] == "ACTIVE",
                         lambda got: f"session {session['id']} (ACTIVE) read back from the eMSP"))
        self.push("session PATCH (charging periods)", "PATCH", f"/sessions/{session['id']}", Objects.session_progress(),
                  expect("sessions", (*party, session["id"]),
                         lambda got: got["kwh"] == 5.5 and len(got["charging_periods"]) == 1,
                         lambda got: f"session {session['id']} has 5.5 kWh and its charging period at the eMSP"))
        self.push("CDR POST", "POST", "/cdrs", cdr,
                  expect("cdrs", (cdr["id"],), lambda got: same(got["id"], cdr["id"]), self.describe_cdr))

    @staticmethod
    def describe_cdr(got: dict) -> str:
        detail = f"CDR {got['id']} read back from the eMSP"
        if "evse_uid" not in (got.get("cdr_location") or {}):
            # Its CdrLocation model has no evse_uid, so it drops the field it was sent.
            detail += " (without cdr_location.evse_uid: extrawest's known deviation)"
        return detail

    # Token sync

    def can_sync_tokens(self) -> bool:
        return "sync-tokens" in self.ocpi_cpo("parties", "--help").stdout

    def token_sync(self, registration: Registration | None) -> None:
        """A token the eMSP issues after the registration reaches ocpi-cpo with `sync-tokens`."""
        check = "token sync (ocpi-cpo parties sync-tokens)"
        if not self.can_sync_tokens():
            self.report.skip(check, "not yet supported: this ocpi-cpo has no `parties sync-tokens`")
            return
        if registration is None:
            self.report.fail(check, "not registered, so there is no partner to sync")
            return
        if registration.partner_id is None:
            self.report.fail(check, "`parties register` printed no partner id to sync")
            return
        issued = request("POST", f"{self.args.emsp_url}/interop/tokens")
        if not isinstance(issued.body, dict) or "uid" not in issued.body:
            self.report.fail(check, f"the eMSP issued no new token: {issued.summary()}")
            return
        seen = self.emsp_state()["requests"][-1]["n"]
        run = self.ocpi_cpo("parties", "sync-tokens", registration.partner_id, "--database", self.args.database)
        pulls = [f"GET {entry['path']} {entry['status']}" for entry in self.emsp_state()["requests"]
                 if entry["n"] > seen and entry["method"] == "GET" and "/tokens" in entry["path"]]
        if run.returncode != 0:
            self.report.fail(check, f"exit {run.returncode}: {first_line(run)} (pulls: {'; '.join(pulls) or 'none'})")
            return
        tokens = self.emsp_tokens(registration)
        refused_for = self.wait_until_open(registration, tokens[0]) if tokens else None
        missing = [token["uid"] for token in tokens if not self.cpo_has(registration, token)]
        refusal = ("" if refused_for == 0.0 else "; the eMSP's token was refused (HTTP 401) throughout" if refused_for is None
                   else f"; the eMSP's token was refused (HTTP 401) for {refused_for:.1f} s first")
        if not tokens or missing:
            self.report.fail(check, f"{len(missing)} of {len(tokens)} eMSP tokens not readable at ocpi-cpo: "
                                    f"{', '.join(missing[:10])} (pulls: {'; '.join(pulls) or 'none'}{refusal})")
        else:
            self.report.ok(check, f"all {len(tokens)} eMSP tokens readable at ocpi-cpo with the eMSP's credentials, "
                                  f"{issued.body['uid']} issued after registration among them "
                                  f"(pulls: {'; '.join(pulls)}{refusal})")

    def wait_until_open(self, registration: Registration, token: dict) -> float | None:
        """Seconds ocpi-cpo refused the eMSP's credentials (401) before it took them; None if never.

        ocpi-cpo remembers for a second who presented a token; the eMSP presented this one on our
        versions endpoints during the handshake, before the registration was complete, and until
        that memory expires its requests to the modules may be refused.
        """
        def is_open() -> bool:
            return self.cpo_lookup(registration, token).status != 401

        if is_open():
            return 0.0
        started = time.monotonic()
        opened, _ = wait_for(lambda: (is_open(), ""))
        return time.monotonic() - started if opened else None

    def emsp_tokens(self, registration: Registration) -> list[dict]:
        """Every token the eMSP's Tokens sender lists, page by page by offset.

        By offset rather than by its Link header: extrawest's Link is not a usable URL.
        """
        tokens: list[dict] = []
        while True:
            base = registration.emsp_endpoints["tokens"]
            answer = request("GET", f"{base}?offset={len(tokens)}", ocpi_token(registration.emsp_token))
            page = answer.data if answer.status == 200 and isinstance(answer.data, list) else []
            tokens += page
            total = int(answer.headers.get("x-total-count") or 0)
            if not page or len(tokens) >= total:
                return tokens

    def cpo_lookup(self, registration: Registration, token: dict) -> Reply:
        """GET of `token` at ocpi-cpo's Tokens receiver, with the eMSP's credentials."""
        endpoint = next((item["url"] for item in registration.cpo_endpoints
                         if item["identifier"] == "tokens" and item["role"] == "RECEIVER"), None)
        if endpoint is None:
            return Reply(0, "ocpi-cpo published no Tokens receiver")
        # The type is part of a token's identity; without it OCPI 2.2.1 means RFID.
        url = join(endpoint, token["country_code"], token["party_id"], token["uid"]) + f"?type={token['type']}"
        return request("GET", url, ocpi_token(registration.cpo_token))

    def cpo_has(self, registration: Registration, token: dict) -> bool:
        answer = self.cpo_lookup(registration, token)
        got = answer.data if isinstance(answer.data, dict) else {}
        return (answer.status == 200 and answer.ocpi_status == 1000 and same(got.get("uid"), token["uid"])
                and got.get("valid") == token["valid"] and got.get("whitelist") == token["whitelist"])

    # Redirects

    def no_redirects(self) -> None:
        """Every URL was used as the eMSP published it: the eMSP redirected no request.

        FastAPI answers the other form of a module's root (with or without its trailing slash)
        with a redirect (307), which a client must not follow for a write. The requests are the
        eMSP's record: ocpi-cpo's and this script's, which uses the published URLs as well.
        """
        check = "URLs used as published (the eMSP redirected no request)"
        requests = self.emsp_state()["requests"]
        redirected = [f"{entry['method']} {entry['path']} {entry['status']}" for entry in requests
                      if 300 <= entry["status"] < 400]
        if redirected:
            self.report.fail(check, f"{len(redirected)} of {len(requests)} requests redirected: {'; '.join(redirected[:10])}")
        else:
            self.report.ok(check, f"none of its {len(requests)} requests was redirected")

    def run(self) -> None:
        registration = self.register()
        if registration is None:
            for check in ("location PUT", "EVSE status PATCH", "tariff PUT", "session PUT",
                          "session PATCH (charging periods)", "CDR POST"):
                self.report.fail(check, "not registered, so nothing reaches the eMSP")
        else:
            self.pushes(registration)
        self.token_sync(registration)
        self.no_redirects()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ocpi-cpo", required=True, help="the ocpi-cpo binary")
    parser.add_argument("--database", required=True, help="the database `ocpi-cpo serve` runs on")
    parser.add_argument("--cpo-url", required=True, help="http://127.0.0.1:PORT of `ocpi-cpo serve`")
    parser.add_argument("--admin-token", required=True)
    parser.add_argument("--country-code", default="NL", help="ocpi-cpo's country code (as `serve` was given)")
    parser.add_argument("--party-id", default="SOC", help="ocpi-cpo's party id (as `serve` was given)")
    parser.add_argument("--emsp-url", required=True, help="http://127.0.0.1:PORT of extrawest_emsp.py")
    parser.add_argument("--token-a", required=True, help="the registration token extrawest_emsp.py was started with")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    report = Report()
    try:
        Direction(args, report).run()
    except Exception as error:  # noqa: BLE001 - whatever breaks the harness is one more failure
        report.fail("harness", f"{type(error).__name__}: {error}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
