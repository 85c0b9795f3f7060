"""Issue 18 point 3: a tariff people can search — accents and case aside, codes with or without
dots or spaces, chapter and heading prefixes — on the page, in the admin and through the API;
the tariff lines page is a list (issue 21): sorted, filtered, exported as filtered."""
import csv
import io

import pytest
from django.db import connection
from django.urls import reverse

from tariff.imports import (
    reference_import_confirm,
    reference_import_create,
    reference_import_preview,
    reference_import_request_confirm,
)
from tariff.kit.text import search_key
from tariff.models import TariffLine
from tariff.selectors import split_tariff_query, tariff_line_search, tariff_lines_matching

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(client, broker_user):
    client.force_login(broker_user)
    return client

PHONES = {"8517.11.00.90", "8517.13.00.00", "8517.14.00.00", "8517.18.00.00"}


def codes(lines):
    return {line.dotted_code for line in lines}


def test_search_key_takes_accents_and_case_off():
    assert search_key("  TÉLÉPHONES   intelligents ") == "telephones intelligents"
    assert search_key("Œufs, crème glacée") == "oeufs, creme glacee"


def test_a_query_is_a_code_prefix_and_words():
    assert split_tariff_query("85.17") == ("8517", [])
    assert split_tariff_query("8517 13 00 00") == ("8517130000", [])
    assert split_tariff_query("85 Téléphones") == ("85", ["telephones"])


@pytest.mark.parametrize("query", ["telephones", "TELEPHONES", "téléphones", "Téléphones", "TÉLÉPHONES"])
def test_words_are_found_whatever_their_accents_and_case(query):
    assert codes(tariff_line_search(query=query)) == PHONES


@pytest.mark.parametrize("query", ["8517.13.00.00", "8517130000", "8517 13 00 00", "8517.13"])
def test_a_code_is_found_with_or_without_dots_or_spaces(query):
    assert codes(tariff_line_search(query=query)) == {"8517.13.00.00"}


def test_chapter_and_heading_prefixes():
    chapter = codes(tariff_line_search(query="85", limit=500))
    assert chapter and all(code.startswith("85") for code in chapter)
    assert "8507.60.07.00" in chapter and "8421.99.21.20" not in chapter
    assert codes(tariff_line_search(query="85.17")) == codes(tariff_line_search(query="8517")) == PHONES


def test_words_and_code_together():
    assert codes(tariff_line_search(query="8517.1 INTELLIGENTS")) == PHONES
    assert codes(tariff_line_search(query="8517 telephones intelligents")) == PHONES
    assert not tariff_line_search(query="8507 telephones")


def test_search_text_is_filled_on_save_by_the_import_and_for_the_shipped_lines():
    assert not TariffLine.objects.filter(search_text="").exists()
    line = TariffLine.objects.create(code="9901000009", description="Crème brûlée")
    assert TariffLine.objects.get(pk=line.pk).search_text == "creme brulee"
    line.description = "Pâté"
    line.save(update_fields=["description"])
    assert TariffLine.objects.get(pk=line.pk).search_text == "pate"
    content = "code;description;unit;di_40_before_lfr_2020\n9901.00.00.09;Pâtes à TÉLÉPHONER;u;non\n" \
              "9901.00.00.08;Éléments neufs;kg;non\n"
    job = reference_import_preview(job_id=reference_import_create(files=[("tariff_lines.csv", content.encode())]).pk)
    reference_import_request_confirm(job=job)
    reference_import_confirm(job_id=job.pk)
    assert dict(TariffLine.objects.filter(code__in=["9901000009", "9901000008"]).values_list("code", "search_text")) == {
        "9901000009": "pates a telephoner", "9901000008": "elements neufs"}
    assert codes(tariff_line_search(query="TELEPHONER")) == {"9901.00.00.09"}


# --- the page, the admin, the API ---------------------------------------------------------------


def test_the_page_finds_accentless_words_and_dotless_codes(broker):
    response = broker.get(reverse("tariff:search"), {"q": "TELEPHONES"})
    assert {line.dotted_code for line in response.context["lines"]} == PHONES
    assert "4 positions" in response.content.decode()
    response = broker.get(reverse("tariff:search"), {"q": "8517130000"})
    assert [line.dotted_code for line in response.context["lines"]] == ["8517.13.00.00"]


def test_the_page_filters_by_chapter_and_by_a_rate_in_force_and_sorts(broker):
    response = broker.get(reverse("tariff:search"), {"chapter": "23", "in_force": "no", "on": "01/03/2024"})
    listed = [line.dotted_code for line in response.context["lines"]]
    assert "2309.90.90.82" in listed and all(code.startswith("23") for code in listed)
    with_rate = broker.get(reverse("tariff:search"), {"q": "8517", "in_force": "yes", "on": "01/03/2024"})
    assert "8517.13.00.00" in [line.dotted_code for line in with_rate.context["lines"]]
    assert "2309.90.90.82" not in [line.dotted_code for line in
                                   broker.get(reverse("tariff:search"), {"q": "2309", "in_force": "yes",
                                                                          "on": "01/03/2024"}).context["lines"]]
    backwards = broker.get(reverse("tariff:search"), {"q": "8517", "sort": "-code"})
    assert [line.dotted_code for line in backwards.context["lines"]] == sorted(PHONES, reverse=True)


def test_the_export_holds_exactly_the_filtered_rows(broker):
    response = broker.get(reverse("tariff:search"), {"q": "téléphones", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == ["Position", "Désignation", "Unité", "DI à 40 % avant la LFR 35-20 (2020)"]
    assert {row[0] for row in rows[1:]} == PHONES


def test_the_admin_search_reads_codes_with_dots_and_words_without_accents(client, editor_user):
    client.force_login(editor_user)
    url = reverse("admin:tariff_tariffline_changelist")
    for query in ("8517.13.00.00", "8517 13", "8517130000"):
        response = client.get(url, {"q": query})
        assert response.status_code == 200
        assert [line.dotted_code for line in response.context["cl"].result_list] == ["8517.13.00.00"], query
    response = client.get(url, {"q": "TELEPHONES"})
    assert {line.dotted_code for line in response.context["cl"].result_list} == PHONES
    rates = client.get(reverse("admin:tariff_dutyrate_changelist"), {"q": "8517.13.00.00"})
    assert {r.tariff_line.dotted_code for r in rates.context["cl"].result_list} == {"8517.13.00.00"}


def test_the_api_finds_accentless_words_and_dotted_prefixes(broker_client):
    body = broker_client.get("/api/v1/tariff/lines/", {"q": "telephones"}).json()
    assert {r["code"] for r in body["results"]} == PHONES
    body = broker_client.get("/api/v1/tariff/lines/", {"q": "85.17"}).json()
    assert {r["code"] for r in body["results"]} == PHONES


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_postgresql_serves_the_word_search_from_the_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'tariff_tariffline_search_trgm'")
        (definition,) = cursor.fetchone()
        assert "gin" in definition and "gin_trgm_ops" in definition
        matching = tariff_lines_matching(TariffLine.objects.order_by(), "telephones")
        sql, params = matching.query.sql_with_params()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "tariff_tariffline_search_trgm" in plan
