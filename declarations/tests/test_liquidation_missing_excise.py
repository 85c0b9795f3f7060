"""Liquidation refuses, rather than a silent zero, when a TIC table applies to an article but no
quotité is loaded for the registration date (dahir 1-77-340 art. 9; table G before the LF 2022
schedule, circ. 6255/210 §III.5); the preview says the same, nothing is written."""
import datetime as dt

import pytest

from declarations.models import Declaration, Liquidation
from declarations.services import DeclarationError, declaration_liquidate, declaration_preview, declaration_register

from .factories import article, make_declaration

pytestmark = pytest.mark.django_db
DOCUMENTS = [{"kind": "invoice", "reference": "F-TIC"}, {"kind": "transport", "reference": "BL-TIC"}]


@pytest.fixture(autouse=True)
def cigarettes(db):
    from tariff.tests.factories import line_with_rate

    line_with_rate("2402200000", "40", description="Cigarettes contenant du tabac")


def cigarette_declaration():
    return make_declaration(currency="MAD", documents=DOCUMENTS, articles=[
        article("2402.20.00.00", value="10000", quantity="10000", unit="u", attributes={"retail_value": "5000"})])


def test_tic_table_g_without_a_quotite_on_the_registration_date_refuses_the_liquidation():
    d = cigarette_declaration()
    declaration_register(declaration=d, on_date=dt.date(2021, 6, 1))
    with pytest.raises(DeclarationError) as exc:
        declaration_liquidate(declaration=d)
    assert exc.value.code == "no_excise_rate_in_force" and exc.value.field == "articles[0].date"
    assert exc.value.message.startswith("Article 1 : Aucune quotité de TIC du tableau G")
    d.refresh_from_db()
    assert d.status == Declaration.Status.REGISTERED and not Liquidation.objects.filter(declaration=d).exists()


def test_tic_table_g_with_its_quotite_liquidates():
    # 2022: 10 × 100 + 67 % × 5,000 = 4,350 < minimum 10 × 710.2 = 7,102.
    d = cigarette_declaration()
    declaration_register(declaration=d, on_date=dt.date(2022, 3, 1))
    tic = declaration_liquidate(declaration=d).lines.get(tax="TIC")
    assert (str(tic.amount), tic.law.code) == ("7102.00", "LF-76-21")


def test_tic_missing_quotite_is_shown_by_the_preview():
    d = cigarette_declaration()
    articles = list(d.articles.select_related("tariff_line"))
    preview = declaration_preview(declaration=d, articles=articles, on_date=dt.date(2021, 6, 1))
    assert preview.taxes == [] and "tableau G" in preview.errors[0] and "01/06/2021" in preview.errors[0]
