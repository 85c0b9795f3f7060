"""A small office on the embedded mode (issue 19): SQLite, Celery eager, ``manage.py runserver``
as ``make run`` starts it, and N users at once for a while, each mixing

- page reads (dashboard, declarations, commitments) with a browser session,
- declaration writes (create a two-article DUM through the API, register it, liquidate it),
- bank payments (an advance on a domiciled commitment, with the bank's token).

Every answer must be a success: any 5xx (``database is locked`` was 19 of 20 requests with two
clients before WAL + IMMEDIATE transactions) or connection error counts as an error, and the
script exits 1 when there is one. Prints counts and p50/p95/p99 latencies per kind of request.

    .venv/bin/python tests/benchmarks/embedded_office.py --users 10 --duration 60
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def prepare(env: dict) -> dict:
    """Migrate, load the reference data, create the office's users, a bank, commitments."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from declarations.models import Party
    from exchange.models import Bank, BankUser, Commitment, Importer
    from tariff.kit.roles import BANK_USER, BROKER_STAFF, sync_roles
    from tariff.services import reference_data_import

    call_command("migrate", verbosity=0, interactive=False)
    reference_data_import()
    sync_roles()
    users = get_user_model().objects
    broker = users.create_user("office-broker", password="x")
    broker.groups.add(Group.objects.get(name=BROKER_STAFF))
    agent = users.create_user("office-agent", password="x")
    agent.groups.add(Group.objects.get(name=BANK_USER))
    bank = Bank.objects.create(code="office-bank", name="Banque du bureau")
    BankUser.objects.create(user=agent, bank=bank)
    party = Party.objects.create(name="Atlas Import SA", kind=Party.Kind.COMPANY, ice="001234567000089")
    importer = Importer.objects.create(party=party)  # the same company's Office des Changes profile
    commitments = [
        Commitment.objects.create(
            number=f"OFFICE-{i:03d}", importer=importer, bank=bank, currency="MAD",
            subscribed_amount=Decimal("1000000000"), total_import_value=Decimal("1000000000"),
            goods_description="Marchandises du bureau", contract_advance_rate=Decimal("30"),
            status=Commitment.Status.DOMICILED, domiciliation_confirmed_at=timezone.now(), created_by=broker).pk
        for i in range(20)
    ]
    session = SessionStore()
    session.update({SESSION_KEY: str(broker.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: broker.get_session_auth_hash()})
    session.create()
    data = {
        "broker_token": Token.objects.create(user=broker).key, "bank_token": Token.objects.create(user=agent).key,
        "session": session.session_key, "party": party.pk, "commitments": commitments,
    }
    connections.close_all()
    return data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("runserver did not answer in time")


class Office:
    def __init__(self, port: int, data: dict, run: str):
        self.port, self.data, self.run = port, data, run
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.counter = 0

    def call(self, kind: str, method: str, path: str, *, body=None, token=None, session=False) -> dict | None:
        headers = {"Host": "127.0.0.1"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if session:
            headers["Cookie"] = f"sessionid={self.data['session']}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            conn.request(method, path, payload, headers)
            response = conn.getresponse()
            content = response.read()
            conn.close()
        except OSError as exc:
            with self.lock:
                self.errors.append(f"{kind} {path}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[kind].append(elapsed)
            if response.status >= 400:
                self.errors.append(f"{kind} {method} {path}: HTTP {response.status} {content[:200]!r}")
        if response.status >= 400 or not content.startswith(b"{"):
            return None
        return json.loads(content)

    def next_number(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def read_pages(self) -> None:
        path = random.choice(["/", "/declarations/", "/commitments/", "/tariff/?q=chevaux"])
        self.call("page", "GET", path, session=True)

    def write_declaration(self) -> None:
        n = self.next_number()
        body = {
            "reference": f"DUM-{self.run}-{n:05d}", "customs_office": "309 Casablanca-Port", "procedure_code": "010",
            "party": self.data["party"], "invoice_currency": "MAD", "invoice_total": "100000",
            "freight_amount": "2000", "insurance_amount": "500",
            "articles": [
                {"tariff_code": "2309.10.00.00", "origin_country": "FR", "description": "Croquettes",
                 "invoiced_value": "60000", "quantity": "3000", "net_mass_kg": "3000"},
                {"tariff_code": "8517.13.00.00", "origin_country": "CN", "description": "Téléphones",
                 "invoiced_value": "40000", "quantity": "20", "net_mass_kg": "8"},
            ],
            "documents": [{"kind": "invoice", "reference": f"F-{n}"}],
        }
        created = self.call("declaration", "POST", "/api/v1/declarations/", body=body, token=self.data["broker_token"])
        if created:
            base = f"/api/v1/declarations/{created['id']}/"
            self.call("declaration", "POST", base + "register/", body={}, token=self.data["broker_token"])
            self.call("declaration", "POST", base + "liquidate/", body={}, token=self.data["broker_token"])

    def pay(self) -> None:
        n = self.next_number()
        commitment = random.choice(self.data["commitments"])
        self.call("payment", "POST", f"/api/v1/commitments/{commitment}/payments/",
                  body={"kind": "advance", "amount": "10.00", "idempotency_key": f"{self.run}-{n}"},
                  token=self.data["bank_token"])

    def user(self, deadline: float, seed: int) -> None:
        rng = random.Random(seed)
        actions = [self.read_pages] * 4 + [self.write_declaration] * 3 + [self.pay] * 3
        while time.monotonic() < deadline:
            rng.choice(actions)()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000 if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=float, default=60)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="customs-office-"))
    env = {
        "DATABASE_URL": f"sqlite:///{scratch / 'office.sqlite3'}", "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false", "DJANGO_LOG_LEVEL": "ERROR", "CELERY_BROKER_URL": "",
        "DJANGO_API_THROTTLE_USER": "100000/second",
    }
    print(f"Preparing the office database in {scratch} …", flush=True)
    data = prepare(env)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_ready(port)
        office = Office(port, data, run=str(int(time.time())))
        deadline = time.monotonic() + args.duration
        threads = [threading.Thread(target=office.user, args=(deadline, i)) for i in range(args.users)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=20)
    everything = [v for values in office.latencies.values() for v in values]
    print(f"\n{args.users} users for {elapsed:.0f} s on SQLite (WAL, IMMEDIATE) under runserver: "
          f"{len(everything)} requests, {len(office.errors)} errors")
    for kind, values in sorted(office.latencies.items()) + [("all", everything)]:
        print(f"  {kind:12} {len(values):6} requests  p50 {percentile(values, 50):7.1f} ms  "
              f"p95 {percentile(values, 95):7.1f} ms  p99 {percentile(values, 99):7.1f} ms")
    for line in office.errors[:10]:
        print("  ERROR", line)
    sys.exit(1 if office.errors else 0)


if __name__ == "__main__":
    main()
