#!/usr/bin/env bash
# Creates the virtual environment the extrawest-ocpi partner apps run in, with pinned versions:
#
#   scripts/interop/setup.sh [VENV]        (default .build-interop/venv in the repository; git-ignored)
#
# PYTHON chooses the interpreter (default python3; extrawest-ocpi needs 3.10 or later). Quiet and
# idempotent: an existing environment with the pinned versions is left alone, without asking pip.
# Prints the environment's path.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${1:-$root/.build-interop/venv}
python=${PYTHON:-python3}
# extrawest-ocpi pins fastapi, pydantic and httpx itself; uvicorn (not among its dependencies)
# is the server both apps run on. 0.30.6 still supports Python 3.10.
packages=(extrawest-ocpi==2025.7.16 uvicorn==0.30.6)

if [[ ! -x $venv/bin/python ]]; then
    "$python" -m venv "$venv"
fi

if ! "$venv/bin/python" - "${packages[@]}" <<'PY'
import sys
from importlib.metadata import PackageNotFoundError, version

def installed(requirement: str) -> bool:
    name, _, wanted = requirement.partition("==")
    try:
        return version(name) == wanted
    except PackageNotFoundError:
        return False

sys.exit(0 if all(installed(requirement) for requirement in sys.argv[1:]) else 1)
PY
then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"
fi

echo "$venv"
