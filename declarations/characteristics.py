"""An article's characteristics checked when it is created or edited (issue 16 point 6): the
catalogue's types and bounds (``tariff.characteristics``), and those its tariff line's TIC table
needs on the date (``tariff.services.excise_characteristics_required``) — so a bad or missing one
is refused there, naming the article and the field, never at liquidation."""
from __future__ import annotations

import datetime as dt

from tariff.characteristics import clean_attributes
from tariff.kit.errors import DomainError, DomainErrors
from tariff.services import excise_characteristics_errors


def _with_article(error: DomainError, number: int) -> DomainError:
    error.message = f"Article {number} : {error.message}"
    error.args = (error.message,)
    return error


def raise_all(errors: list[DomainError]) -> None:
    """One error as itself; several as ``DomainErrors`` carrying the first one's field, so the
    API's one error shape names a field."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        combined = DomainErrors(errors)
        combined.field = errors[0].field
        raise combined


def article_characteristics_clean(*, number: int, tariff_code: str, attributes, net_mass_kg=None,
                                  on_date: dt.date, liquidates_duties: bool = True, index=None) -> dict:
    """The article's characteristics as stored, or every problem at once: field
    ``articles[<n-1>].attributes.<key>``, message "Article <n> : « <French label> » …".

    ``on_date``: the date its rates will be looked up (today for a draft: the registration date
    fixes them, CDII art. 15). A procedure that liquidates no duties (export, suspension) needs
    no TIC characteristic; their types are still checked."""
    prefix = f"articles[{number - 1}].attributes"
    try:
        cleaned = clean_attributes(attributes or {}, prefix=prefix)
    except DomainError as exc:
        raise_all([_with_article(e, number) for e in getattr(exc, "errors", None) or [exc]])
    if not liquidates_duties:
        return cleaned
    # The liquidation reads the article's net mass when the characteristic is not given.
    reading = dict(cleaned)
    if net_mass_kg is not None:
        reading.setdefault("net_mass_kg", str(net_mass_kg))
    errors = excise_characteristics_errors(tariff_code=tariff_code, on_date=on_date, attributes=reading,
                                           prefix=prefix, index=index)
    raise_all([_with_article(e, number) for e in errors])
    return cleaned


def registration_characteristics_errors(*, articles, on_date: dt.date, liquidates_duties: bool,
                                        index=None) -> list[DomainError]:
    """The TIC characteristics each article's line needs on the registration date (a draft was
    checked on the day it was saved; a table may start in between, e.g. table L on 2024-01-01)."""
    if not liquidates_duties:
        return []
    errors: list[DomainError] = []
    for article in articles:
        reading = dict(article.attributes or {})
        reading.setdefault("net_mass_kg", str(article.net_mass_kg))
        errors += [_with_article(e, article.number) for e in excise_characteristics_errors(
            tariff_code=article.tariff_line.code, on_date=on_date, attributes=reading,
            prefix=f"articles[{article.number - 1}].attributes", index=index)]
    return errors
