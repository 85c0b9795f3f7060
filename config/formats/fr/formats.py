"""The office's formats (fr-MA usage): Django's ``fr`` with dates written day first in figures
(``01/12/2026``) everywhere, not ``1 décembre 2026``; numbers ``1 000 000,00`` (non-breaking space)."""
from django.conf.locale.fr.formats import *  # noqa: F401,F403

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space: a figure is never split over two lines
NUMBER_GROUPING = 3
# Typed day first (jj/mm/aaaa); ISO dates (2026-12-01) are accepted too, as Django always adds them.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y"]
