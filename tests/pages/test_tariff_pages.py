"""Tariff pages: search, a line's rates over time, the duty calculator."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tariff.selectors import tariff_line_get
from tariff.views import duty_rate_timeline

from .helpers import text

pytestmark = pytest.mark.django_db


def test_search_by_code_prefix(broker):
    response = broker.get(reverse("tariff:search"), {"q": "8517.13"})
    assert response.status_code == 200
    assert "8517.13.00.00" in text(response) and "2309.10.00.00" not in text(response)


def test_search_by_words(broker):
    html = text(broker.get(reverse("tariff:search"), {"q": "chiens chats"}))
    assert "2309.10.00.00" in html


def test_search_lists_the_finance_laws_with_their_circulars(broker):
    html = text(broker.get(reverse("tariff:search")))
    assert "LF-55-23" in html and "6522/210" in html and "29/12/2023" in html


def test_line_page_shows_the_rates_in_force_on_the_chosen_date(broker):
    response = broker.get(reverse("tariff:line", args=["8517.13.00.00"]), {"date": "2024-03-01"})
    rates = {row["tax"]: row for row in response.context["rates"]}
    assert rates["DI"]["rate"] == Decimal("17.5") and rates["DI"]["source"] == "LF-55-23"
    assert rates["TIC"]["rate"] == Decimal("50")
    html = text(response)
    assert "Taux en vigueur le 01/03/2024" in html and "17,5 %" in html
    assert "LF 55-23 (2024) · circ. 6522/210" in html and "LF 76-21 (2022) · circ. 6255/210" in html


def test_line_timeline_by_finance_law_marks_the_rate_in_force(broker):
    response = broker.get(reverse("tariff:line", args=["8517130000"]), {"date": "2023-06-30"})
    timeline = response.context["timeline"]
    assert [(s.rate, s.law.code, in_force) for s, in_force in timeline] == [
        (Decimal("2.5"), "BASE", True), (Decimal("17.5"), "LF-55-23", False)]
    html = text(response)
    assert "du 01/07/2000 au 31/12/2023" in html and "depuis le 01/01/2024" in html
    assert "circulaire 6522/210 du 29/12/2023" in html


def test_timeline_shows_the_lf_2024_forty_to_thirty_cut_as_its_own_period():
    # 1602.32.10.00: 40 % from LF 2022, then 30 % from 2024 by the LF 2024 blanket rule.
    segments = duty_rate_timeline(line=tariff_line_get(code="1602321000"))
    assert [(s.valid_from, s.valid_to, s.rate, s.law.code) for s in segments][-2:] == [
        (dt.date(2022, 1, 1), dt.date(2023, 12, 31), Decimal("40"), "LF-76-21"),
        (dt.date(2024, 1, 1), None, Decimal("30"), "LF-55-23"),
    ]


def test_unknown_or_malformed_line_is_a_404(broker):
    assert broker.get(reverse("tariff:line", args=["9999999999"])).status_code == 404
    assert broker.get(reverse("tariff:line", args=["abc"])).status_code == 404


QUOTE = {"tariff_code": "8517.13.00.00", "date": "2024-03-01", "customs_value": "10000", "quantity": "10"}


def test_calculator_shows_di_tic_vat_with_base_rate_amount_law_and_total(broker):
    response = broker.get(reverse("tariff:calculator"), QUOTE)
    quote = response.context["quote"]
    assert {line.tax: line.amount for line in quote.lines} == {
        "DI": Decimal("1750.00"), "TIC": Decimal("500.00"), "TVA": Decimal("2450.00")}
    assert quote.total == Decimal("4700.00")
    html = text(response)
    for shown in ("1 750,00", "500,00", "2 450,00", "4 700,00", "12 250,00", "17,5 %", "LF-55-23", "LF-76-21"):
        assert shown in html, shown


def test_calculator_gives_the_same_answer_as_the_quote_api(broker):
    page = broker.get(reverse("tariff:calculator"), QUOTE).context["quote"]
    api = broker.post("/api/v1/tariff/quote/", QUOTE, content_type="application/json").json()
    assert Decimal(api["total"]) == page.total
    assert [(line["tax"], Decimal(line["amount"]), line["source"]) for line in api["lines"]] == [
        (line.tax, line.amount, line.law_code) for line in page.lines]


def test_calculator_accepts_a_french_decimal_comma(broker):
    quote = broker.get(reverse("tariff:calculator"), {**QUOTE, "customs_value": "10000,00"}).context["quote"]
    assert quote.total == Decimal("4700.00")


def test_calculator_attribute_fields_reach_the_engine(broker):
    # E-liquid with nicotine, 30 ml: TIC H 10 DH per 10 ml (LF 2022) = 30 DH.
    response = broker.get(reverse("tariff:calculator"), {
        "tariff_code": "2404.12.00.00", "date": "2024-03-01", "customs_value": "100", "quantity": "1",
        "volume_ml": "30", "contains_nicotine": "true"})
    quote = response.context["quote"]
    assert quote.amount_of("TIC") == Decimal("30.00")


def test_calculator_errors_are_french_and_next_to_their_field(broker):
    form = broker.get(reverse("tariff:calculator"), {"tariff_code": "", "date": "31/02/2024",
                                                     "customs_value": "-5"}).context["form"]
    assert form.errors["tariff_code"] == ["Ce champ est obligatoire."]
    assert form.errors["date"] == ["Saisissez une date valide."]
    assert "supérieure ou égale à 0" in form.errors["customs_value"][0]


def test_calculator_service_errors_are_attached_to_the_field_they_name(broker):
    form = broker.get(reverse("tariff:calculator"), {**QUOTE, "tariff_code": "9999.99.99.99"}).context["form"]
    assert form.errors["tariff_code"] == ["Position tarifaire inconnue : 9999.99.99.99."]
    form = broker.get(reverse("tariff:calculator"), {**QUOTE, "date": "1999-01-01"}).context["form"]
    assert "Aucun taux de droit d'importation en vigueur le 01/01/1999" in form.errors["date"][0]
    form = broker.get(reverse("tariff:calculator"), {**QUOTE, "franchise_code": "2006"}).context["form"]
    assert "utiliser le code 2015" in form.errors["franchise_code"][0]
    response = broker.get(reverse("tariff:calculator"), {
        "tariff_code": "2404.12.00.00", "date": "2024-03-01", "customs_value": "100", "volume_ml": "30"})
    assert "« Contient de la nicotine » est requis" in response.context["form"].errors["contains_nicotine"][0]
    assert response.context["quote"] is None and response.status_code == 200


def test_line_page_offers_the_calculator_prefilled(broker):
    html = text(broker.get(reverse("tariff:line", args=["8517130000"])))
    assert f'action="{reverse("tariff:calculator")}"' in html and 'value="8517.13.00.00"' in html
