"""French whatever the browser sends (issue 21): every page of the page apps, every admin changelist
and the error pages, rendered for a staff superuser whose browser asks for English, show no English
words and no unformatted numbers (``284580,00``, ``60000.00``, ``1000 kg``) in what a reader sees;
every admin export heads its columns in French."""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.template.loader import render_to_string
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from import_export.admin import ExportMixin, ImportMixin

from conftest import make_user
from declarations.models import RecalculationRun
from declarations.tests.factories import (
    PartyFactory,
    article,
    make_declaration,
    make_etpp_authorisation,
    pay,
    pet_food_draft_law,
)
from exchange.tests.factories import BankFactory, bank_user_for, domiciled_commitment, impute
from exchange.tests.factories import pay as commitment_pay
from litigation.tests.factories import CaseDocumentFactory, case_with
from tariff.kit.roles import BANK_USER

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(
    r"\b(Delete|Save|Search|Add|Change|History|Filter|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"January|February|March|April|June|July|August|September|October|November|December|None|True|False|"
    r"Next|Previous|Yes|Unknown|Page not found|Server Error|Forbidden)\b|\bNo |matching query")
# Figures not through the localisation: 4+ digits not grouped before a decimal comma (284580,00), a dot
# decimal (60000.00, 17.5000), a quantity of 4+ digits (1000 kg). Not codes: 2309.10.00.00, 3401.19,
# 4011,4012 (tariff prefixes), n° 30.03 (headings), DUM-T-12.
UNFORMATTED = re.compile(
    r"(?<![\w.,/:°-])(?<!n° )(\d{4,},\d{1,3}(?!\d)|\d{5,}\.\d+|\d{1,3}\.\d{3,}|\d{4,} (?:kg|MAD|EUR|unité)\b)(?![\w/:-])")
PAGE_NAMESPACES = ("tariff", "declarations", "exchange", "litigation")
SKIPPED_TAGS = {"script", "style", "code", "pre", "textarea", "input"}


class VisibleText(HTMLParser):
    """The text a reader sees, plus the labels of attributes (title, placeholder, aria-label)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS and tag != "input":
            self.skipping += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label") and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and dict(attrs).get("type") in ("submit", "button") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS and tag != "input" and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts).replace("\xa0", " ").replace("\u202f", " ")


def problems(html: str) -> list[str]:
    text = visible_text(html)
    found = [f"anglais : {m.group(0)!r} dans « {line[:120]} »"
             for line in text.splitlines() for m in ENGLISH.finditer(line)]
    found += [f"nombre non formaté : {m.group(0)!r} dans « {line[:120]} »"
              for line in text.splitlines() for m in UNFORMATTED.finditer(line)]
    return found


def page_names() -> list[tuple[str, list[str]]]:
    """(URL name, its keyword arguments) of every page of the page apps, and the dashboard."""
    names = [("home", [])]

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace in PAGE_NAMESPACES and p.name:
                names.append((f"{namespace}:{p.name}", list(p.pattern.converters)))

    walk(get_resolver().url_patterns)
    return names


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Objects with figures above a thousand, so grouping shows: a paid liquidated declaration,
    an ETPP authorisation, a commitment with imputation and payment, a case, a recalculation run."""
    party = PartyFactory()
    declaration = make_declaration(party=party, articles=[
        article("2309.10.00.00", value="26350", quantity="1000"), article("8517.13.00.00", value="1000", quantity="50",
                                                                           unit="u")])
    from declarations.services import declaration_liquidate, declaration_register

    declaration_register(declaration=declaration, on_date=dt.date(2025, 3, 1))
    declaration_liquidate(declaration=declaration)
    pay(declaration)
    authorisation = make_etpp_authorisation(exporter=party, code="2309.10.00.00", issued=False)
    bank = BankFactory(code="bmce", name="Banque A")
    agent = bank_user_for(bank, "agent-fr")
    commitment = domiciled_commitment(bank_user=agent, currency="EUR", subscribed_amount=Decimal("120000.00"))
    impute(commitment, agent, "60000.00", currency="EUR")
    commitment_pay(commitment, agent, "advance", "20000.00", currency="EUR")
    case = case_with("297", "8°")
    document = CaseDocumentFactory(case=case)
    law = pet_food_draft_law("FR")
    from tariff.services import finance_law_publish

    with django_capture_on_commit_callbacks(execute=True):
        finance_law_publish(law=law)
    run = RecalculationRun.objects.get(law=law)
    return {"declaration": declaration, "authorisation": authorisation, "commitment": commitment, "case": case,
            "case_document": document, "run": run}


def kwargs_for(name: str, converters: list[str], world) -> dict | None:
    owner = {"declarations:etpp": "authorisation", "declarations:recalculation": "run",
             "declarations:what-if": "run", "litigation": "case", "exchange": "commitment"}
    if any(part in name for part in ("export", "pdf", "note", "summary", "download", "progress")):
        return None  # files (CSV, PDF) and JSON: no page to read
    if not converters:
        return {}
    if name == "tariff:line":
        return {"code": "2309100000"}
    key = next((v for k, v in owner.items() if name.startswith(k)), "declaration")
    return {"pk": world[key].pk}


@pytest.fixture
def staff(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(make_user("staff-fr", is_staff=True, is_superuser=True))
    return client


def check(response, where: str) -> list[str]:
    if "text/html" not in response.get("Content-Type", ""):
        return []
    return [f"{where} : {p}" for p in problems(response.content.decode())]


def test_every_page_is_french_with_formatted_numbers(staff, world):
    found, opened = [], 0
    for name, converters in page_names():
        kwargs = kwargs_for(name, converters, world)
        if kwargs is None:
            continue
        response = staff.get(reverse(name, kwargs=kwargs))
        assert response.status_code in (200, 302, 405), (name, response.status_code)
        opened += response.status_code == 200
        found += check(response, name)
    assert opened >= 20
    assert not found, "\n".join(sorted(set(found)))


# The lists of issue 21, filtered and sorted (their filter forms, sort links and badges in French).
LISTS = {
    "declarations:list": {"q": "2309", "sort": "-invoice_total"},
    "declarations:etpp-list": {"state": "pending", "sort": "exporter"},
    "declarations:payment-list": {"amount_min": "1000,00", "sort": "-amount"},
    "declarations:recalculation-list": {"kind": "recalculation", "sort": "-changed"},
    "exchange:commitment-list": {"bank": "", "sort": "-subscribed_amount"},
    "exchange:payment-list": {"currency": "EUR", "kind": "advance", "sort": "-amount"},
    "litigation:case-list": {"status": "reported", "sort": "-parties"},
}


def test_every_list_filtered_and_sorted_is_french_with_formatted_numbers(staff, world):
    assert set(LISTS) <= {name for name, _converters in page_names()}  # the page walk opens them too
    found = []
    for name, params in LISTS.items():
        response = staff.get(reverse(name), params)
        assert response.status_code == 200, name
        assert len(response.context["table"].rows) >= 1, (name, "a row is shown, so its figures are checked")
        found += check(response, name)
    assert not found, "\n".join(sorted(set(found)))


def test_every_admin_changelist_and_change_form_is_french(staff):
    found = []
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        response = staff.get(reverse(name))
        assert response.status_code == 200, name
        found += check(response, name)
        # One change form per model (its inlines' headers, its fields' labels): the first object's.
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            change = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
            response = staff.get(reverse(change, args=[first.pk]))
            assert response.status_code in (200, 302), change
            found += check(response, change)
    response = staff.get(reverse("admin:index"))
    found += check(response, "admin:index")
    assert not found, "\n".join(sorted(set(found)))


def _export_header_row(staff, model) -> list[str]:
    """The header row of the admin's CSV export of ``model``, every column ticked."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
    page = staff.get(url)
    assert page.status_code == 200, url
    ticked = re.findall(r'<input type="checkbox" name="([^"]+)"', page.content.decode())
    assert ticked, url
    labels = {html.unescape(label) for label in re.findall(r'<label for="id_[^"]+"[^>]*>([^<]+)</label>',
                                                             page.content.decode())}
    response = staff.post(url, {"format": "0", "resource": "0", **{name: "on" for name in ticked}})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), url
    return next(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))), labels


def test_every_admin_export_heads_its_columns_in_french(staff, world):
    found, exported = [], 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ExportMixin):
            continue
        fields = {name: field for resource in model_admin.get_export_resource_classes(None)
                  for name, field in resource().fields.items()}
        columns = {field.column_name for field in fields.values()}
        headers, labels = _export_header_row(staff, model)
        exported += 1
        found += [f"{model.__name__} : colonne {h!r}" for h in headers
                  if h in columns or "_" in h or ENGLISH.search(h) or not h[:1].isupper()]
        # The export page's checkboxes: not the library's English "Tariff Code (tariff_code)".
        english_labels = {name.replace("_", " ").title() for name in fields}
        found += [f"{model.__name__} : case à cocher {label!r}" for label in labels
                  if "_" in label or label.split(" (")[0] in english_labels - set(headers)]
    assert exported >= 15
    assert not found, "\n".join(found)


def test_every_admin_import_page_names_its_columns_in_french(staff, world):
    """The library's import page lists the columns a file may carry: each with its French header
    (an export's), its column name beside it (the shipped files')."""
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ImportMixin):
            continue
        response = staff.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_import"))
        if response.status_code != 200 or "fields_list" not in (response.context or {}):
            continue  # reference tables import through the job page (tariff.admin)
        checked += 1
        for resource_name, columns in response.context["fields_list"]:
            bare = [c for c in columns if " (" not in c and "_" in c]
            assert not bare, f"{model.__name__}: {bare}"
    assert checked >= 2


def test_error_pages_are_french_in_the_site_layout(staff, client, world):
    response = staff.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404 and "Page introuvable" in response.content.decode()
    assert 'class="topbar"' in response.content.decode()
    bank = Client(HTTP_ACCEPT_LANGUAGE="en-US")
    bank.force_login(make_user("bank-fr", BANK_USER))
    forbidden = bank.get(reverse("declarations:list"))
    assert forbidden.status_code == 403 and "Accès refusé" in forbidden.content.decode()
    bad = staff.get("/declarations/?q=a%00b")
    assert bad.status_code == 400
    server_error = render_to_string("500.html")
    assert "Erreur du serveur" in server_error and 'class="topbar"' in server_error
    api = staff.get("/api/v1/declarations/999999/")
    assert api.status_code == 404 and api.json()["detail"] == "Ressource introuvable."
    for where, html in (("404", response.content.decode()), ("403", forbidden.content.decode()),
                        ("400", bad.content.decode()), ("500", server_error)):
        assert not problems(html), (where, problems(html))


def test_the_checker_sees_english_and_unformatted_numbers():
    assert problems("<p>Delete</p><p>284580,00 MAD</p><p>60000.00 EUR</p><p>1000 kg</p>") == [
        "anglais : 'Delete' dans « Delete »", "nombre non formaté : '284580,00' dans « 284580,00 MAD »",
        "nombre non formaté : '60000.00' dans « 60000.00 EUR »", "nombre non formaté : '1000 kg' dans « 1000 kg »"]
    assert not problems("<p>2309.10.00.00 — DUM-T-12 — 284 580,00 MAD — 01/12/2026</p><code>None</code>"
                        "<input value='Delete'>")
