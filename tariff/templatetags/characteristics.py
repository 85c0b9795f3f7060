"""``{{ article.attributes|characteristics }}``: an article's or a quote's characteristics with
their French labels (tariff.characteristics); the template formats the numbers the French way."""
from django import template

from tariff.characteristics import characteristics_display
from tariff.kit.numbers import format_number
from tariff.selectors import get_tariff_index

register = template.Library()


@register.filter
def characteristics(attributes):
    labels = {c.product_kind: c.label for c in get_tariff_index().excise_categories if c.product_kind}
    return characteristics_display(attributes or {}, product_kind_labels=labels)


@register.filter
def grouped_number(value):
    """A Decimal with its own decimals, the French way: 1 234,5 (Django's number formatting)."""
    return format_number(value)
