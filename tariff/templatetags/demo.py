"""``{% demo_logins as logins %}``: the demo office's logins, for the login page in demo mode only."""
from django import template
from django.conf import settings
from django.contrib.auth import get_user_model

from tariff.demo import DEMO_USERS

register = template.Library()


@register.simple_tag
def demo_logins():
    """The demo users that exist and are active; nothing unless ``settings.DEMO_MODE``."""
    if not getattr(settings, "DEMO_MODE", False):
        return []
    present = set(get_user_model().objects.filter(
        username__in=[u.username for u in DEMO_USERS], is_active=True).values_list("username", flat=True))
    return [u for u in DEMO_USERS if u.username in present]
