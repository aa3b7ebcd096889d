"""What the two extrawest-ocpi partner apps (extrawest_emsp.py, extrawest_cpo.py) share.

py_ocpi (the `extrawest-ocpi` package) leaves storage and token checks to the application: every
read and write goes through a CRUD object the application passes to `get_application`, and every
token through an Authenticator class. This module holds in-memory versions of both, the settings
the library must see before it is imported, and the loopback-only `/interop/state` route through
which the test scripts read what an app holds that OCPI has no GET for (the credentials tokens).

Nothing here imports py_ocpi at module level: see `configure_library`.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

HOST = "127.0.0.1"
REQUEST_LOG_SIZE = 2000


def configure_library(port: int, trailing_slash: bool = True) -> None:
    """Gives py_ocpi its settings; must run before anything imports py_ocpi.

    The library reads its settings from the environment (and a `.env` file in the working
    directory) once, at import, and builds the endpoint URLs it publishes from them at that moment
    (https://www.example.com/... by default). Everything it could read from a stray `.env` is set
    here, to the library's own defaults except for where we listen and, when `trailing_slash` is
    false, the form of the endpoint URLs it publishes (see `serve_module_roots_without_slash`).
    """
    os.environ.update({
        "PROTOCOL": "http",
        "OCPI_HOST": f"{HOST}:{port}",
        "OCPI_PREFIX": "ocpi",
        "NO_AUTH": "false",
        "TRAILING_SLASH": "true" if trailing_slash else "false",
        "CI_STRING_LOWERCASE_PREFERENCE": "true",
        # INFO; "development" would log every token at DEBUG.
        "ENVIRONMENT": "production",
    })


def versions_url(port: int) -> str:
    """Where py_ocpi serves its versions list (it mounts it under OCPI_PREFIX)."""
    return f"http://{HOST}:{port}/ocpi/versions"


def new_token() -> str:
    """A credentials token: 64 characters, the most py_ocpi's Credentials.token accepts."""
    return secrets.token_hex(32)


def module_name(module: Any) -> str:
    """The OCPI module id of a py_ocpi ModuleID (or a plain string).

    ModuleID is a str enum, but its hash is its member name's, which differs from the value for
    some members (credentials_and_registration), so it is turned into a plain string before it
    keys anything.
    """
    return str(getattr(module, "value", module))


def parse_datetime(text: str) -> datetime:
    """An OCPI DateTime as an aware datetime (UTC when the text has no offset, as OCPI says)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def paginate(objects: list[dict], filters: dict) -> tuple[list[dict], int, bool]:
    """One page of `objects`, as py_ocpi's `Crud.list` returns it: (page, total, is_last_page).

    py_ocpi hands the query's date_from, date_to, offset and limit to the CRUD untouched and builds
    the headers (X-Total-Count, X-Limit, Link) from what comes back; filtering is ours. date_from
    is inclusive and date_to exclusive, as OCPI 2.2.1's pagination table says.
    """
    date_from, date_to = as_utc(filters.get("date_from")), as_utc(filters.get("date_to"))
    matching = [
        item for item in objects
        if (date_from is None or parse_datetime(item["last_updated"]) >= date_from)
        and (date_to is None or parse_datetime(item["last_updated"]) < date_to)
    ]
    offset, limit = max(filters["offset"], 0), max(filters["limit"], 0)
    page = matching[offset:offset + limit]
    # An empty page is the last: with limit=0 the library would otherwise link to the same
    # offset again (it computes the next one as offset + limit), and a client would loop.
    return page, len(matching), not page or offset + len(page) >= len(matching)


class ObjectStore:
    """Objects by module and key, each module in insertion order (so pages stay stable)."""

    def __init__(self) -> None:
        self._modules: dict[str, dict[tuple[str, ...], dict]] = {}

    def put(self, module: str, key: tuple[str, ...], value: dict) -> None:
        self._modules.setdefault(module, {})[key] = value

    def get(self, module: str, key: tuple[str, ...]) -> dict | None:
        return self._modules.get(module, {}).get(key)

    def delete(self, module: str, key: tuple[str, ...]) -> None:
        self._modules.get(module, {}).pop(key, None)

    def values(self, module: str) -> list[dict]:
        return list(self._modules.get(module, {}).values())

    def keys(self) -> dict[str, list[str]]:
        return {module: ["/".join(key) for key in objects] for module, objects in self._modules.items()}


def object_key(*parts: Any) -> tuple[str, ...]:
    """A store key; CiString parts compare case-insensitively, as OCPI's CiString says.

    py_ocpi lowercases every CiString it validates (CI_STRING_LOWERCASE_PREFERENCE, on by
    default), in path parameters and bodies alike; lowering here as well keeps keys the same
    whichever way the library is set.
    """
    return tuple(str(part).lower() for part in parts)


@dataclass
class Partner:
    """A platform registered with us through the credentials module."""

    our_token: str  # the token we answered with (CREDENTIALS_TOKEN_C): the partner presents it here
    partner_token: str  # the token the partner gave us: we present it when we call the partner
    versions_url: str
    roles: list[dict]
    version: str | None
    endpoints: list[dict]


@dataclass
class CredentialsDesk:
    """The credentials module's side that py_ocpi leaves to the application.

    py_ocpi's credentials handlers check the token, fetch the partner's versions and endpoints
    themselves, and then hand the result to the CRUD (`create` for POST, `update` for PUT), which
    must store it, mint the token the partner is to use from then on, and return this party's
    credentials. The registration tokens (token A) are ours to invalidate: OCPI 2.2.1 says token A
    may no longer be used once the handshake is done, so a token A opens one registration.
    """

    own_versions_url: str
    own_roles: list[dict]
    registration_tokens: set[str] = field(default_factory=set)
    partners: list[Partner] = field(default_factory=list)
    static_tokens: set[str] = field(default_factory=set)  # accepted without a registration

    def accepted_tokens(self) -> list[str]:
        return sorted(self.static_tokens | {partner.our_token for partner in self.partners})

    def partner_for(self, token: str | None) -> Partner | None:
        return next((partner for partner in self.partners if partner.our_token == token), None)

    def register(self, data: dict, registration_token: str | None) -> dict:
        self.registration_tokens.discard(registration_token or "")
        partner = self._partner_from(data, our_token=new_token())
        self.partners.append(partner)
        return self.own_credentials(partner)

    def update(self, data: dict, token: str | None) -> dict:
        old = self.partner_for(token)
        if old is not None:
            self.partners.remove(old)
        partner = self._partner_from(data, our_token=new_token())
        self.partners.append(partner)
        return self.own_credentials(partner)

    def unregister(self, token: str | None) -> None:
        partner = self.partner_for(token)
        if partner is not None:
            self.partners.remove(partner)

    def own_credentials(self, partner: Partner | None) -> dict:
        token = partner.our_token if partner else ""
        return {"token": token, "url": self.own_versions_url, "roles": self.own_roles}

    @staticmethod
    def _partner_from(data: dict, our_token: str) -> Partner:
        credentials, details = data["credentials"], data.get("endpoints") or {}
        return Partner(
            our_token=our_token,
            partner_token=credentials["token"],
            versions_url=credentials["url"],
            roles=credentials["roles"],
            version=details.get("version"),
            endpoints=details.get("endpoints", []),
        )

    def state(self) -> dict:
        return {
            "registration_tokens_open": len(self.registration_tokens),
            "partners": [asdict(partner) for partner in self.partners],
        }


def make_authenticator(desk: CredentialsDesk) -> type:
    """An Authenticator class for py_ocpi that reads the desk's tokens.

    `get_application` wants the class itself: it installs it as a FastAPI dependency, which
    instantiates it per request and calls its classmethods, so the tokens are reached through
    the closure rather than through instance state.
    """
    from py_ocpi.core.authentication.authenticator import Authenticator

    class DeskAuthenticator(Authenticator):
        @classmethod
        async def get_valid_token_c(cls) -> list[str]:
            return desk.accepted_tokens()

        @classmethod
        async def get_valid_token_a(cls) -> list[str]:
            return sorted(desk.registration_tokens)

    return DeskAuthenticator


class RequestLog:
    """The requests the app answered (number, method, path with query, HTTP status), newest last.

    Numbered from 1, so that a reader can ask for what came after a request it saw even once
    the oldest entries have been dropped.
    """

    def __init__(self) -> None:
        self.entries: deque[dict] = deque(maxlen=REQUEST_LOG_SIZE)
        self.count = 0

    def install(self, app: Any) -> None:
        # Added last, so it is the outermost middleware and sees the status the client got,
        # including py_ocpi's redirects (307) and its exception middleware's answers.
        @app.middleware("http")
        async def record(request: Any, call_next: Callable) -> Any:
            response = await call_next(request)
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            self.count += 1
            self.entries.append({"n": self.count, "method": request.method, "path": path, "status": response.status_code})
            return response


def add_state_route(app: Any, state: Callable[[], dict]) -> None:
    """GET /interop/state: what the app holds, as JSON, without a token.

    It holds live credentials tokens, which is why the apps listen on 127.0.0.1 only.
    """
    @app.get("/interop/state", include_in_schema=False)
    async def interop_state() -> dict:
        return state()


# A module's root below the prefix, as py_ocpi mounts it: /ocpi/{cpo|emsp}/{version}/{module}.
MODULE_ROOT = re.compile(r"/ocpi/(?:cpo|emsp)/[^/]+/[^/]+")


def serve_module_roots_without_slash(app: Any) -> None:
    """Serves each module's root without its trailing slash as well as with it.

    py_ocpi's TRAILING_SLASH setting changes only the URLs it publishes: its routers still mount
    each module's list and credentials operations at `.../{module}/`, and FastAPI answers the
    published form `.../{module}` with a redirect (307) that a client need not follow for a write.
    This hands such a request to the route with the slash, as a server that publishes URLs
    without one would route it. Must be added before `RequestLog.install`, so that the log shows
    the path the client asked for.
    """
    class ModuleRootsWithoutSlash:
        def __init__(self, app: Any) -> None:  # Starlette passes the inner app as `app`
            self.inner = app

        async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
            if scope["type"] == "http" and MODULE_ROOT.fullmatch(scope["path"]):
                scope = dict(scope, path=scope["path"] + "/")
                if scope.get("raw_path"):
                    scope["raw_path"] += b"/"
            await self.inner(scope, receive, send)

    app.add_middleware(ModuleRootsWithoutSlash)


def serve(app: Any, port: int) -> None:
    import signal

    import uvicorn

    # A parent may start us with SIGINT and SIGTERM blocked (Foundation's Process passes on the
    # signal mask of the thread that starts it, and Swift's test runner blocks them): uvicorn's
    # handlers would then never run, and the app would not stop when asked.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    uvicorn.run(app, host=HOST, port=port, log_level="info")


def display_roles(role: str, country_code: str, party_id: str, name: str) -> list[dict]:
    """This party's CredentialsRole list, as the credentials handshake returns it."""
    return [{
        "role": role,
        "business_details": {"name": name},
        "country_code": country_code,
        "party_id": party_id,
    }]


def party_argument(text: str) -> tuple[str, str]:
    """'DE/EXM' -> ('DE', 'EXM'): an argparse type for a country code and party id."""
    country_code, _, party_id = text.partition("/")
    if len(country_code) != 2 or len(party_id) != 3:
        raise argparse.ArgumentTypeError(f"expected COUNTRY/PARTY such as DE/EXM, got {text!r}")
    return country_code, party_id
