"""Issue 16 point 6 on the pages: typed characteristic fields with French labels in the article
form and the calculator, errors next to the field naming the label, and the declaration page and
the calculator showing French labels and French-formatted numbers, never the stored keys."""
import pytest
from django.urls import reverse

from declarations.models import Declaration
from declarations.tests.factories import PartyFactory, article, make_declaration

from .helpers import declaration_post, text

pytestmark = pytest.mark.django_db

E_LIQUID = {"tariff_line": "2404.12.00.00", "description": "E-liquide", "invoiced_value": "1000", "quantity": "1",
            "net_mass_kg": "1"}


@pytest.fixture
def party(db):
    return PartyFactory(name="Vape Maroc SARL")


def test_the_article_form_offers_typed_inputs_with_french_labels(broker):
    html = text(broker.get(reverse("declarations:create")))
    assert 'type="number" name="articles-0-volume_ml"' in html and 'step="0.001"' in html
    assert 'name="articles-0-contains_nicotine"' in html and '<option value="true">Oui</option>' in html
    assert "Volume (ml)" in html and "Contient de la nicotine" in html and "Classe énergétique" in html
    assert '<option value="chocolate">Chocolat (TIC L)</option>' in html
    assert "clé=valeur" not in html


def test_a_required_characteristic_missing_is_an_error_on_its_field(broker, party):
    response = broker.post(reverse("declarations:create"),
                           declaration_post(party=party, articles=[E_LIQUID], invoice_total="1000"))
    assert response.status_code == 200 and not Declaration.objects.exists()
    row = response.context["articles"].forms[0]
    assert row.errors["volume_ml"][0].startswith("Article 1 : « Volume (ml) » est requis (TIC H")
    assert row.errors["contains_nicotine"][0].startswith("Article 1 : « Contient de la nicotine » est requis")


def test_a_word_for_yes_no_is_refused_on_the_page(broker, party):
    response = broker.post(reverse("declarations:create"), declaration_post(
        party=party, articles=[{**E_LIQUID, "volume_ml": "30", "contains_nicotine": "peut-être"}],
        invoice_total="1000"))
    assert response.context["articles"].forms[0].errors["contains_nicotine"] == [
        "« Contient de la nicotine » : oui ou non (true / false)."]


def test_typed_characteristics_are_saved_and_shown_in_french(broker, party):
    response = broker.post(reverse("declarations:create"), declaration_post(
        party=party, articles=[{**E_LIQUID, "volume_ml": "1234,5", "contains_nicotine": "true"}], invoice_total="1000"))
    assert response.status_code == 302, response.context["articles"].forms[0].errors
    declaration = Declaration.objects.get()
    assert declaration.articles.get().attributes == {"volume_ml": "1234.5", "contains_nicotine": True}
    html = text(broker.get(reverse("declarations:detail", args=[declaration.pk])))
    assert "Volume : 1 234,5 ml" in html and "Contient de la nicotine : oui" in html
    assert "volume_ml" not in html and "contains_nicotine" not in html


def test_the_edit_page_is_filled_with_the_characteristics(broker, party):
    declaration = make_declaration(party=party, articles=[article(
        "2404.12.00.00", value="100", quantity="1", attributes={"volume_ml": "30", "contains_nicotine": False})])
    html = text(broker.get(reverse("declarations:edit", args=[declaration.pk])))
    assert 'name="articles-0-volume_ml" value="30"' in html
    assert '<option value="false" selected>Non</option>' in html


def test_the_calculator_shows_product_kinds_and_characteristics_in_french(broker):
    # Chewing-gum 2024 (table L): taxed above 66 g of sugar, 600 DH per 100 kg → 200 kg at 70 g: 1,200 DH.
    from tariff.tests.factories import line_with_rate

    line_with_rate("1704100000", "40", description="Gommes à mâcher")
    response = broker.get(reverse("tariff:calculator"), {
        "tariff_code": "1704.10.00.00", "date": "2024-06-01", "customs_value": "10000", "quantity": "200",
        "net_mass_kg": "1200,5", "sugar_g_per_100": "70"})
    quote = response.context["quote"]
    assert quote is not None, response.context["form"].errors
    html = text(response)
    assert '<option value="chewing_gum">Chewing-gum (TIC L)</option>' in html
    assert "Masse nette : 1 200,5 kg" in html and "Teneur en sucre : 70 g/100 g ou ml" in html
    assert "net_mass_kg" not in html.split('id="quote-result"')[1].split("</section>")[0]
    assert 'type="number" name="sugar_g_per_100"' in html


def test_the_calculator_refuses_a_bad_number_naming_the_label(broker):
    form = broker.get(reverse("tariff:calculator"), {
        "tariff_code": "2404.12.00.00", "date": "2024-03-01", "customs_value": "100", "volume_ml": "-5",
        "contains_nicotine": "true"}).context["form"]
    assert form.errors["volume_ml"] == ["« Volume (ml) » ne peut pas être négatif."]
