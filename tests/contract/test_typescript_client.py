"""A TypeScript client generated from the live schema drives the partner-bank API (issue 17, point 6).

``tests/contract/typescript`` is a small npm project (exact versions, committed lock file):
``openapi-typescript`` turns ``/api/schema/`` of a live test server into ``schema.d.ts``, ``tsc``
(strict) type-checks and builds ``drive.ts`` — typed ``openapi-fetch`` calls of the same flow as
the Python client's test — and ``node`` runs it against the server; it prints what it observed
as JSON, judged here with the same numbers. A schema change that breaks a typed call fails the
build, so the test. Generation and build happen in a temporary copy of the project (the
schema, ``schema.d.ts`` and ``build/`` never land in the repository); ``node_modules`` is
installed once (``npm ci``) in the project folder and reused while the lock file is unchanged.

Without Node.js and npm the test is skipped, except under ``CI=true``, where it fails: CI
(``.ci/run``) installs them.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent / "typescript"
SOURCES = ("package.json", "package-lock.json", "tsconfig.json", "drive.ts")
# Written into node_modules by the install: the lock file it was installed from.
INSTALLED_LOCK = ".installed-lock-sha256"
MISSING_TOOLS = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
MISSING_REASON = (f"{' and '.join(MISSING_TOOLS)} not on PATH: the generated TypeScript client needs Node.js "
                  "(apt-get install nodejs npm)")
IN_CI = os.environ.get("CI") == "true"

pytestmark = [
    # skipped before any set-up (database, live server) when Node.js is absent, except in CI
    pytest.mark.skipif(bool(MISSING_TOOLS) and not IN_CI, reason=MISSING_REASON),
    pytest.mark.usefixtures("reference_data_back_after_flush"),
]


def run(command: list[str], cwd: Path, timeout: int, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The project's dependencies, installed by ``npm ci`` unless already installed from this lock file."""
    if MISSING_TOOLS:  # only under CI=true (else the module is skipped)
        pytest.fail(f"{MISSING_REASON}; CI must run this test")
    folder = PROJECT / "node_modules"
    lock = hashlib.sha256((PROJECT / "package-lock.json").read_bytes()).hexdigest()
    stamp = folder / INSTALLED_LOCK
    if not (stamp.is_file() and stamp.read_text() == lock):
        result = run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"], PROJECT, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        stamp.write_text(lock)
    return folder


def build(folder: Path, schema: bytes, node_modules: Path) -> subprocess.CompletedProcess:
    """Copy the project into ``folder``, generate ``schema.d.ts`` from ``schema`` and build with tsc
    (the project's own ``generate`` and ``build`` scripts); the result of the build."""
    for name in SOURCES:
        shutil.copy(PROJECT / name, folder / name)
    (folder / "node_modules").symlink_to(node_modules, target_is_directory=True)
    (folder / "schema.json").write_bytes(schema)
    generated = run(["npm", "run", "--silent", "generate"], folder, timeout=120)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert (folder / "schema.d.ts").is_file()
    return run(["npm", "run", "--silent", "build"], folder, timeout=300)


@pytest.fixture(scope="module")
def built_client(node_modules, tmp_path_factory, live_server_schema) -> Path:
    folder = tmp_path_factory.mktemp("typescript-client")
    result = build(folder, live_server_schema, node_modules)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder / "build" / "drive.js"


def test_a_schema_change_that_breaks_a_typed_call_fails_the_type_check(node_modules, tmp_path, live_server_schema):
    schema = json.loads(live_server_schema)
    body = schema["components"]["schemas"]["PaymentInputRequest"]
    body["properties"]["value"] = body["properties"].pop("amount")
    body["required"] = ["value" if name == "amount" else name for name in body["required"]]
    result = build(tmp_path, json.dumps(schema).encode(), node_modules)
    assert result.returncode != 0
    assert "drive.ts(" in result.stdout and "'amount' does not exist" in result.stdout, result.stdout + result.stderr
    assert not (tmp_path / "build" / "drive.js").exists()


def test_typescript_client_drives_the_bank_api(built_client, live_server, bank_api_parties):
    parties = bank_api_parties
    env = {
        **os.environ,
        "BANK_API_URL": live_server.url,
        "BANK_API_BANK_TOKEN": parties.token(parties.agent_a),
        "BANK_API_OTHER_BANK_TOKEN": parties.token(parties.agent_b),
        "BANK_API_OFFICE_TOKEN": parties.token(parties.staff),
        "BANK_API_OTHER_BANK": parties.bank_b.code,
    }
    result = run(["node", str(built_client)], built_client.parent, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(result.stdout)
    source, target = parties.source, parties.target

    # list and detail
    assert seen["list"] == {"status": 200, "count": 2, "numbers": sorted([source.number, target.number]),
                            "domiciliation_confirmed": True}
    assert seen["detail"] == {"number": source.number, "goods_category": "other", "target_replaces": source.number}
    assert seen["missing"]["status"] == 404 and seen["missing"]["code"] == "not_found"

    # payments: accepted, replayed under its key, refused with its code, field and French message
    accepted, replayed, refused = (seen["payment"][step] for step in ("accepted", "replayed", "refused"))
    assert accepted["status"] == 201 and D(accepted["amount"]) == D(100000) and accepted["kind"] == "advance"
    assert replayed == {"status": 200, "id": accepted["id"]}
    assert refused["status"] == 400
    assert refused["code"] == "advance_over_limit" and refused["field"] == "amount"
    assert "300\u00a0001,00\u00a0MAD" in refused["detail"]
    assert seen["payment"]["listed"] == 1
    assert parties.source.payments.get().pk == accepted["id"]

    # carry-over of the advances onto the replacing commitment
    carry = seen["carry_over"]
    assert carry["status"] == 201 and carry["target"] == target.number and D(carry["amount"]) == D(100000)

    # bank change: requested by the office, settlements recorded by bank A, accepted by bank B
    change = seen["bank_change"]
    assert change["requested"] == {"status": 201, "from_bank": "bmce", "to_bank": "awb"}
    assert change["settlements_recorded"] == {"status": 200, "recorded": True}
    assert change["early_accept"]["status"] == 400 and change["early_accept"]["code"] == "not_commitment_bank"
    assert change["accepted"] == {"status": 200, "state": "accepted"}
    assert change["bank_after"] == "awb"
    target.refresh_from_db()
    assert target.bank == parties.bank_b

    assert seen["anonymous"]["status"] == 401 and seen["anonymous"]["code"] == "not_authenticated"
