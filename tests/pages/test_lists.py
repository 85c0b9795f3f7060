"""Lists people can work with (issue 21): sortable columns, filters, search by what people know,
CSV/XLSX export of exactly the filtered rows with formula neutralisation."""
import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from declarations.services import declaration_register
from declarations.tests.factories import PartyFactory, article, make_declaration

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(db):
    atlas = PartyFactory(name="Atlas Import", ice="001234567000089")
    rif = PartyFactory(name="=HYPERLINK(\"x\") Rif", ice="009876543000011")
    pet = make_declaration(party=atlas, articles=[article("2309.10.00.00", value="1000")])
    phone = make_declaration(party=rif, articles=[article("8517.13.00.00", value="5000")])
    declaration_register(declaration=pet, on_date=dt.date(2024, 3, 1))
    declaration_register(declaration=phone, on_date=dt.date(2025, 6, 15))
    FILES.clear()
    FILES.update({"DUM-A-1": pet, "DUM-B-2": phone})
    return {"pet": pet, "phone": phone}


def refs(client, **params):
    """The list's rows as A (pet food, Atlas) and B (phones, the formula-named operator)."""
    names = {d.pk: n for n, d in FILES.items()}
    return [names[d.pk] for d in client.get(reverse("declarations:list"), params).context["declarations"]]


FILES = {}


def test_declarations_search_by_operator_ice_and_tariff_line(broker, files):
    assert refs(broker, q="atlas") == ["DUM-A-1"]
    assert refs(broker, q="009876543") == ["DUM-B-2"]
    assert refs(broker, q="8517.13") == ["DUM-B-2"]
    assert refs(broker, line="2309") == ["DUM-A-1"]
    assert refs(broker, party=files["pet"].party_id) == ["DUM-A-1"]


def test_declarations_filter_by_registration_dates_typed_day_first(broker, files):
    assert refs(broker, registered_from="01/01/2025") == ["DUM-B-2"]
    assert refs(broker, registered_to="31/12/2024") == ["DUM-A-1"]


def test_declarations_sort_by_any_column(broker, files):
    assert refs(broker, sort="invoice_total") == ["DUM-A-1", "DUM-B-2"]
    assert refs(broker, sort="-invoice_total") == ["DUM-B-2", "DUM-A-1"]
    assert refs(broker, sort="party") == ["DUM-B-2", "DUM-A-1"]  # "=HYPERLINK…" sorts before "Atlas"
    page = broker.get(reverse("declarations:list")).content.decode()
    assert "?sort=invoice_total" in page and 'href="?export=csv"' in page


def test_declarations_export_what_is_filtered_with_formulas_neutralised(broker, files):
    response = broker.get(reverse("declarations:list"), {"q": "rif", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Référence", "Bureau", "Régime", "Opérateur"]
    assert len(rows) == 2 and rows[1][0] == files["phone"].reference
    assert rows[1][3] == "'=HYPERLINK(\"x\") Rif"  # a formula in a cell is text behind a quote
    xlsx = broker.get(reverse("declarations:list"), {"sort": "-invoice_total", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert [v[0] for v in values[1:]] == [files["phone"].reference, files["pet"].reference]  # all, in order
    assert values[1][3].startswith("'=")


def test_commitments_sort_filter_and_export_with_their_totals(broker, db):
    from decimal import Decimal

    from exchange.tests.factories import CommitmentFactory, ImporterFactory

    small = CommitmentFactory(subscribed_amount=Decimal("5000.00"), importer=ImporterFactory(name="Atlas"))
    big = CommitmentFactory(subscribed_amount=Decimal("900000.00"), importer=ImporterFactory(name="Rif"))
    url = reverse("exchange:commitment-list")
    assert [c.pk for c in broker.get(url, {"sort": "subscribed_amount"}).context["commitments"]] == [small.pk, big.pk]
    assert [c.pk for c in broker.get(url, {"sort": "-subscribed_amount"}).context["commitments"]] == [big.pk, small.pk]
    rows = list(csv.reader(io.StringIO(broker.get(url, {"importer": "rif", "export": "csv"}).content.decode())))
    assert rows[0] == ["Numéro", "Importateur", "Banque", "Statut", "Souscrit le", "Montant souscrit", "Devise",
                       "Imputé", "Réglé"]
    assert [r[0] for r in rows[1:]] == [big.number] and rows[1][5:] == ["900000.00", "MAD", "0.00", "0.00"]


def test_etpp_authorisations_search_sort_and_export(broker, db):
    from declarations.tests.factories import make_etpp_authorisation

    atlas = PartyFactory(name="Atlas Textile", ice="001111111000022")
    first = make_etpp_authorisation(exporter=atlas, code="2309.10.00.00", issued=False)
    second = make_etpp_authorisation(exporter=PartyFactory(name="Rif Confection"), code="2309.10.00.00", issued=True)
    url = reverse("declarations:etpp-list")
    assert [a.pk for a in broker.get(url, {"q": "001111111"}).context["authorisations"]] == [first.pk]
    assert [a.pk for a in broker.get(url, {"state": "issued"}).context["authorisations"]] == [second.pk]
    assert [a.pk for a in broker.get(url, {"sort": "exporter"}).context["authorisations"]] == [first.pk, second.pk]
    assert [a.pk for a in broker.get(url, {"sort": "-exporter"}).context["authorisations"]] == [second.pk, first.pk]
    rows = list(csv.reader(io.StringIO(broker.get(url, {"q": "rif", "export": "csv"}).content.decode())))
    assert [r[0] for r in rows[1:]] == [second.number] and rows[0][0] == "Numéro"
