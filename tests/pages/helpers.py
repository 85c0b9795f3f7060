"""Helpers of the page tests."""
from __future__ import annotations


def text(response) -> str:
    """Page HTML with the no-break spaces of French number formatting made plain."""
    return response.content.decode().replace("\xa0", " ").replace("\u202f", " ")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


ARTICLE_DEFAULTS = {
    "tariff_line": "2309.10.00.00", "description": "Aliments pour chats", "origin_country": "FR",
    "invoiced_value": "600", "quantity": "600", "unit": "kg", "net_mass_kg": "600", "franchise_code": "",
}


def declaration_post(*, party, reference="DUM-PAGE-1", articles=None, documents=None, action="save", **header):
    """POST data of the declaration page: header, articles and documents formsets."""
    articles = articles if articles is not None else [
        {}, {"invoiced_value": "400", "quantity": "400", "net_mass_kg": "400", "description": "Aliments pour chiens"}]
    documents = documents if documents is not None else [
        {"kind": "invoice", "reference": "FAC-2024-001"}, {"kind": "transport", "reference": "BL-778899"}]
    data = {
        "action": action, "reference": reference, "customs_office": "309 Casablanca-Port", "procedure": "010",
        "party": str(party.pk), "etpp_authorisation": "", "invoice_currency": "EUR", "invoice_total": "1000",
        "freight_amount": "500", "freight_currency": "MAD", "insurance_amount": "100", "insurance_currency": "MAD",
        "other_costs_amount": "0", "other_costs_currency": "MAD", "rates_date": "2024-03-01",
        "articles-TOTAL_FORMS": str(len(articles)), "articles-INITIAL_FORMS": "0",
        "articles-MIN_NUM_FORMS": "0", "articles-MAX_NUM_FORMS": "1000",
        "documents-TOTAL_FORMS": str(len(documents)), "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0", "documents-MAX_NUM_FORMS": "1000",
    }
    data.update(header)
    for i, overrides in enumerate(articles):
        for key, value in {**ARTICLE_DEFAULTS, **overrides}.items():
            data[f"articles-{i}-{key}"] = value
    for i, doc in enumerate(documents):
        for key, value in doc.items():
            data[f"documents-{i}-{key}"] = value
    return {k: v for k, v in data.items() if v is not None}
