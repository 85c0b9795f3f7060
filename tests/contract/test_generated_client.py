"""A Python client generated from the live schema drives the partner-bank API (issue 17, point 6).

``openapi-python-client`` generates the client from ``/api/schema/`` of a live test server into a
temporary folder (never into the repository); every generated module must import; then the client,
with bank tokens, lists and reads commitments, pays (accepted and refused), carries advances over
and moves a commitment to another bank. Offline: the generator and the server run here.
"""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import time
from decimal import Decimal as D

import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data_back_after_flush")]

PACKAGE = "bank_api_client"
# PDF answers (liquidation notes) are files to the client: application/octet-stream is what the
# generator reads as one.
CONFIG = (f"project_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\npost_hooks: []\n"
          "content_type_overrides:\n  application/pdf: application/octet-stream\n")


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory, live_server_schema):
    root = tmp_path_factory.mktemp("generated")
    (root / "schema.json").write_bytes(live_server_schema)
    (root / "config.yaml").write_text(CONFIG)
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(root / "schema.json"),
         "--output-path", str(root / PACKAGE), "--meta", "none", "--config", str(root / "config.yaml"),
         "--fail-on-warning"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_every_generated_module_imports(generated_client):
    modules = [m.name for m in pkgutil.walk_packages(generated_client.__path__, PACKAGE + ".")]
    failures = {}
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 — report every module that fails, not only the first
            failures[name] = repr(exc)
    assert len(modules) > 100 and not failures, failures


def test_generated_client_drives_the_bank_api(generated_client, live_server, bank_api_parties):
    api = importlib.import_module(f"{PACKAGE}.api.engagements_dimportation")
    transfers = importlib.import_module(f"{PACKAGE}.api.transferts_de_domiciliation")
    models = importlib.import_module(f"{PACKAGE}.models")
    client_module = importlib.import_module(f"{PACKAGE}.client")

    def submodule(package, name):
        return importlib.import_module(f"{package.__name__}.{name}")

    parties = bank_api_parties
    agent_a, agent_b, staff = parties.agent_a, parties.agent_b, parties.staff
    source, target = parties.source, parties.target

    def client_for(user):
        return client_module.AuthenticatedClient(
            base_url=live_server.url, token=parties.token(user), prefix="Token", raise_on_unexpected_status=True
        )

    with client_for(agent_a) as bank, client_for(agent_b) as other_bank, client_for(staff) as office:
        # list and detail
        page = submodule(api, "v1_commitments_list").sync(client=bank)
        assert isinstance(page, models.PaginatedCommitmentListList) and page.count == 2
        assert {row.number for row in page.results} == {source.number, target.number}
        assert page.results[0].domiciliation_confirmed_at is not None
        detail = submodule(api, "v1_commitments_retrieve").sync(id=source.pk, client=bank)
        assert isinstance(detail, models.CommitmentDetail) and detail.number == source.number
        assert detail.goods_category == models.GoodsCategoryEnum.OTHER
        missing = submodule(api, "v1_commitments_retrieve").sync_detailed(id=target.pk + 1000, client=bank)
        assert missing.status_code == 404 and missing.parsed.code == "not_found"

        # payments: accepted, replayed, refused (with its code and French message)
        pay = submodule(api, "v1_commitments_payments_create")
        body = models.PaymentInputRequest(kind=models.PaymentKindEnum.ADVANCE, amount="100000.00",
                                          idempotency_key="gen-client-1")
        accepted = pay.sync_detailed(id=source.pk, client=bank, body=body)
        assert accepted.status_code == 201 and D(accepted.parsed.amount) == D("100000")
        replayed = pay.sync_detailed(id=source.pk, client=bank, body=body)
        assert replayed.status_code == 200 and replayed.parsed.id == accepted.parsed.id
        refused = pay.sync_detailed(
            id=source.pk, client=bank,
            body=models.PaymentInputRequest(kind=models.PaymentKindEnum.ADVANCE, amount="200001.00"),
        )
        assert refused.status_code == 400 and isinstance(refused.parsed, models.Error)
        assert refused.parsed.code == "advance_over_limit" and refused.parsed.field == "amount"
        assert "300\xa0001,00\xa0MAD" in refused.parsed.detail
        listed = submodule(api, "v1_commitments_payments_list").sync(id=source.pk, client=bank)
        assert listed.count == 1

        # carry-over of the advances onto the replacing commitment
        carry = submodule(api, "v1_commitments_carry_over_create").sync_detailed(
            id=source.pk, client=bank, body=models.CarryOverInputRequest(target=target.number)
        )
        assert carry.status_code == 201 and carry.parsed.target == target.number
        assert D(carry.parsed.amount) == D("100000")

        # bank change: requested by the office, settlements recorded by bank A, accepted by bank B
        change = submodule(api, "v1_commitments_bank_changes_create").sync_detailed(
            id=target.pk, client=office, body=models.BankChangeRequestRequest(to_bank="awb")
        )
        assert change.status_code == 201, change.content
        change_id = change.parsed.id
        recorded = submodule(transfers, "v1_bank_changes_settlements_recorded_create").sync(id=change_id, client=bank)
        assert recorded.settlements_recorded_at is not None
        early = submodule(transfers, "v1_bank_changes_accept_create").sync_detailed(id=change_id, client=bank)
        assert early.status_code == 400 and early.parsed.code == "not_commitment_bank"
        done = submodule(transfers, "v1_bank_changes_accept_create").sync(id=change_id, client=other_bank)
        assert done.status == models.BankChangeStatusEnum.ACCEPTED
        moved = submodule(api, "v1_commitments_retrieve").sync(id=target.pk, client=other_bank)
        assert moved.bank == "awb"

        # the change feed: bank B polls and reads the transfer, never bank A's own events
        [events_module] = [m.name for m in pkgutil.walk_packages(generated_client.__path__, PACKAGE + ".")
                           if m.name.endswith(".v1_events_list")]
        events = importlib.import_module(events_module)
        deadline = time.monotonic() + 20  # a running transaction elsewhere may hold the feed back briefly
        while True:
            feed = events.sync(client=other_bank, after=0)
            if len(feed.results) >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert isinstance(feed, models.EventPage) and feed.has_more is False
        assert [e.kind.value for e in feed.results] == [
            "bank_change_requested", "bank_change_settlements_recorded", "bank_change_accepted"]
        assert {e.commitment_number for e in feed.results} == {target.number} and feed.next_ == feed.results[-1].id
        assert events.sync(client=other_bank, after=feed.next_).results == []
        assert events.sync_detailed(client=office).status_code == 403

    anonymous = client_module.Client(base_url=live_server.url)
    with anonymous:
        denied = submodule(api, "v1_commitments_list").sync_detailed(client=anonymous)
    assert denied.status_code == 401 and denied.parsed.code == "not_authenticated"
