from django import template

from tariff.kit.numbers import format_amount

from ..rules import DH

register = template.Library()


@register.filter
def dh(value):
    """``120000`` → ``120 000,00 DH`` (``tariff.kit.numbers``); empty → ``—``."""
    return "—" if value is None or value == "" else format_amount(value, DH)
