"""The date a law applies from is its FinanceLaw row's ``effective_date`` (tariff/data/finance_laws.csv),
read through ``tariff.selectors.law_in_force_from``; the law a line is traced to, through ``finance_law``."""
import datetime as dt

import pytest

from tariff.laws import BASE_TARIFF, LF_2022, LF_2024
from tariff.models import FinanceLaw
from tariff.selectors import MissingFinanceLaw, finance_law, law_in_force_from

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_law_dates():
    law_in_force_from.cache_clear()
    yield
    law_in_force_from.cache_clear()


def test_lf_2022_and_lf_2024_apply_from_their_rows_dates():
    # Circ. 6255/210 (LF 76-21) and 6522/210 (LF 55-23): from 1 January of their budget year.
    assert law_in_force_from(LF_2022) == dt.date(2022, 1, 1)
    assert law_in_force_from(LF_2024) == dt.date(2024, 1, 1)
    assert finance_law(BASE_TARIFF).kind == FinanceLaw.Kind.BASE
    assert (finance_law(LF_2024).code, str(finance_law(LF_2024))) == ("LF-55-23", "LF 55-23 (2024)")


def test_the_date_follows_the_row_when_the_row_changes():
    assert law_in_force_from(LF_2024) == dt.date(2024, 1, 1)
    law = FinanceLaw.objects.get(code=LF_2024)
    law.effective_date = dt.date(2024, 2, 1)
    law.save()  # any write to a FinanceLaw row forgets the cached dates (tariff.signals)
    assert law_in_force_from(LF_2024) == dt.date(2024, 2, 1)
    assert finance_law(LF_2024).effective_date == dt.date(2024, 2, 1)


def test_a_missing_or_unpublished_law_is_refused_clearly():
    FinanceLaw.objects.filter(code=LF_2024).update(status=FinanceLaw.Status.DRAFT)  # no signal: cache cleared above
    with pytest.raises(MissingFinanceLaw) as refused:
        law_in_force_from(LF_2024)
    assert refused.value.code == "reference_missing" and "LF-55-23" in refused.value.message
    with pytest.raises(MissingFinanceLaw):
        law_in_force_from("LF-99-99")
