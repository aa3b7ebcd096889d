#!/usr/bin/env python3
"""An OCPI 2.2.1 eMSP built on extrawest-ocpi (py_ocpi), for interoperability tests of ocpi-cpo.

    extrawest_emsp.py --port 9100 --token-a TOKEN_A [--party DE/EXM] [--tokens 5] [--no-trailing-slash]

It is the library's eMSP as an application builds it (`py_ocpi.get_application` with the eMSP
role), with everything py_ocpi leaves to the application kept in memory:

- Registration. TOKEN_A opens one credentials handshake: a CPO registers with
  `ocpi-cpo parties register --versions-url http://127.0.0.1:PORT/ocpi/versions --token TOKEN_A`,
  and py_ocpi, as the receiving side of the POST, calls the CPO's versions and version details
  back with the token the CPO sent before it answers with a new token of ours.
- Receivers. Locations (PUT and PATCH of locations, EVSEs and connectors), Tariffs (PUT and
  DELETE), Sessions (PUT and PATCH) and CDRs (POST) are stored and served back through the
  library's receiver GETs, with the token the CPO was given.
- Tokens sender. A few tokens of our party, paginated by the library (50 a page unless the
  client asks otherwise) and filtered by date_from/date_to here; real-time authorization answers
  ALLOWED for a valid token of ours.

Endpoint URLs are published as the library publishes them by default, with a trailing slash
(http://127.0.0.1:PORT/ocpi/emsp/2.2.1/credentials/); a request without it is redirected (307).
With --no-trailing-slash they are published without it (the library's TRAILING_SLASH=false), and
both forms are served.

GET /interop/state (no token; the app listens on 127.0.0.1 only) returns the registration with
both tokens, the keys of what was stored and every request with its HTTP status; POST
/interop/tokens issues one more token, as the eMSP's back office would between two pulls.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
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
    serve_module_roots_without_slash,
    versions_url,
)

# Tokens are spread a day apart from here, so that date_from/date_to select a part of them.
TOKENS_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)
# Modules whose objects are keyed by the client-owned-object path {country_code}/{party_id}/{id}.
PARTY_KEYED = {"locations", "sessions", "tariffs"}


TOKEN_KINDS = [  # (type, whitelist, valid), in turn
    ("RFID", "ALLOWED", True), ("RFID", "ALWAYS", True), ("APP_USER", "ALLOWED_OFFLINE", True),
    ("RFID", "NEVER", True), ("RFID", "ALLOWED", False),
]


def make_token(country_code: str, party_id: str, number: int, last_updated: datetime) -> dict:
    """Token `number` of our party: valid OCPI 2.2.1, its kind taken from TOKEN_KINDS in turn."""
    token_type, whitelist, valid = TOKEN_KINDS[(number - 1) % len(TOKEN_KINDS)]
    return {
        "country_code": country_code,
        "party_id": party_id,
        "uid": f"{party_id}-{token_type.replace('_', '')}-{number:04d}",
        "type": token_type,
        "contract_id": f"{country_code}-{party_id}-C{number:08d}",
        "visual_number": f"{country_code}-{party_id}-C{number:08d}",
        "issuer": "Extrawest interop eMSP",
        "valid": valid,
        "whitelist": whitelist,
        "language": "de",
        # Milliseconds kept: a token issued in the second of a pull must still count as after it
        # (py_ocpi's Token model shows whole seconds; the filter reads the stored value).
        "last_updated": last_updated.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def add_issue_token_route(app: Any, store: ObjectStore, country_code: str, party_id: str) -> None:
    """POST /interop/tokens: issues one more token, updated now (no token; 127.0.0.1 only).

    What the eMSP's own back office would do between two pulls of its token list; the test uses
    it to see that a later pull (with date_from) brings the new token.
    """
    @app.post("/interop/tokens", include_in_schema=False)
    async def issue_token() -> dict:
        number = len(store.values("tokens")) + 1
        token = make_token(country_code, party_id, number, datetime.now(timezone.utc))
        store.put("tokens", object_key(token["uid"]), token)
        return token


class EmspCrud:
    """py_ocpi's CRUD contract (get, list, create, update, delete, do) for an eMSP, in memory.

    py_ocpi calls these coroutines with the module, the caller's role and the path parameters
    as keyword arguments (`id` among them, hence the name); it does not check the class against
    its Crud ABC, and every call runs on the event loop's thread, so plain dictionaries are enough.
    """

    def __init__(self, store: ObjectStore, desk: CredentialsDesk) -> None:
        self.store = store
        self.desk = desk

    def _key(self, module: str, object_id: Any, kwargs: dict) -> tuple[str, ...]:
        if module in PARTY_KEYED:
            return object_key(kwargs.get("country_code"), kwargs.get("party_id"), object_id)
        return object_key(object_id)

    async def get(self, module: Any, role: Any, id: Any, *args: Any, **kwargs: Any) -> dict | None:
        name = module_name(module)
        if name == "credentials":
            return self.desk.own_credentials(self.desk.partner_for(id))
        found = self.store.get(name, self._key(name, id, kwargs))
        if name == "tokens" and found and kwargs.get("token_type"):
            # A real-time authorization names the token's type; another type is another token.
            return found if found["type"] == module_name(kwargs["token_type"]) else None
        return found

    async def list(self, module: Any, role: Any, filters: dict, *args: Any, **kwargs: Any) -> tuple[list, int, bool]:
        return paginate(self.store.values(module_name(module)), filters)

    async def create(self, module: Any, role: Any, data: dict, *args: Any, **kwargs: Any) -> dict:
        name = module_name(module)
        if name == "credentials":
            return self.desk.register(data, kwargs.get("auth_token"))
        # The location PUT handler passes no id (and its token positionally): the id is the body's.
        self.store.put(name, self._key(name, data["id"], kwargs), data)
        return data

    async def update(self, module: Any, role: Any, data: dict, id: Any, *args: Any, **kwargs: Any) -> dict:
        name = module_name(module)
        if name == "credentials":
            return self.desk.update(data, kwargs.get("auth_token"))
        self.store.put(name, self._key(name, id, kwargs), data)
        return data

    async def delete(self, module: Any, role: Any, id: Any, *args: Any, **kwargs: Any) -> None:
        name = module_name(module)
        if name == "credentials":
            self.desk.unregister(id)
        else:
            self.store.delete(name, self._key(name, id, kwargs))

    async def do(self, module: Any, role: Any, action: Any, *args: Any, data: dict | None = None, **kwargs: Any) -> dict | None:
        """Real-time authorization (the only action an eMSP is asked for): the AuthorizationInfo."""
        if module_name(action) != "AuthorizeToken" or not data:
            return None
        token = self.store.get("tokens", object_key(data["token_uid"]))
        if token is None:
            return None
        allowed = token["valid"] and token["whitelist"] != "NEVER"
        return {
            "allowed": "ALLOWED" if allowed else "BLOCKED",
            "token": token,
            "location": data.get("location_reference"),
            "authorization_reference": f"AUTH-{token['uid']}"[:36],
        }


def build_app(args: argparse.Namespace) -> Any:
    # Imported here, after configure_library, because py_ocpi fixes its URLs at import.
    from py_ocpi import get_application
    from py_ocpi.core.enums import ModuleID, RoleEnum
    from py_ocpi.modules.versions.enums import VersionNumber

    country_code, party_id = args.party
    desk = CredentialsDesk(
        own_versions_url=versions_url(args.port),
        own_roles=display_roles("EMSP", country_code, party_id, "Extrawest interop eMSP"),
        registration_tokens={args.token_a},
    )
    store = ObjectStore()
    for number in range(1, args.tokens + 1):
        token = make_token(country_code, party_id, number, TOKENS_EPOCH + timedelta(days=number - 1))
        store.put("tokens", object_key(token["uid"]), token)

    app = get_application(
        version_numbers=[VersionNumber.v_2_2_1],
        roles=[RoleEnum.emsp],
        crud=EmspCrud(store, desk),
        modules=[
            ModuleID.credentials_and_registration,
            ModuleID.locations,
            ModuleID.sessions,
            ModuleID.cdrs,
            ModuleID.tariffs,
            ModuleID.tokens,
        ],
        authenticator=make_authenticator(desk),
    )
    log = RequestLog()
    add_state_route(app, lambda: {
        "role": "EMSP",
        "party": {"country_code": country_code, "party_id": party_id},
        "versions_url": versions_url(args.port),
        "trailing_slash": args.trailing_slash,
        "credentials": desk.state(),
        "stored": store.keys(),
        "requests": list(log.entries),
    })
    add_issue_token_route(app, store, country_code, party_id)
    if not args.trailing_slash:
        serve_module_roots_without_slash(app)
    log.install(app)
    return app


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9100, help="port on 127.0.0.1 (default 9100)")
    parser.add_argument("--token-a", required=True, help="the registration token a CPO registers with (plain, not base64)")
    parser.add_argument("--party", type=party_argument, default=("DE", "EXM"), metavar="CC/PID",
                        help="our country code and party id (default DE/EXM)")
    parser.add_argument("--tokens", type=int, default=5, help="how many tokens the Tokens sender serves (default 5)")
    parser.add_argument("--no-trailing-slash", dest="trailing_slash", action="store_false",
                        help="publish endpoint URLs without a trailing slash (and serve both forms)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    configure_library(args.port, trailing_slash=args.trailing_slash)
    serve(build_app(args), args.port)


if __name__ == "__main__":
    main()
