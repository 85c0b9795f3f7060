from django import template

from ..rules import format_dh

register = template.Library()


@register.filter
def dh(value):
    """``120000`` → ``120 000,00 DH``; empty → ``—``."""
    return "—" if value is None or value == "" else format_dh(value)

