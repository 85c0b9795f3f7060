"""``load_demo_office`` outside the demo mode (issue 18), on an office without the demo loaded."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from declarations.models import Declaration

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False, DEMO_MODE=False)
def test_it_refuses_to_run_outside_demo_mode_without_force():
    with pytest.raises(CommandError, match="--force") as exc:
        call_command("load_demo_office", stdout=StringIO())
    assert "mode démonstration" in str(exc.value)
    assert not Declaration.objects.exists()


@override_settings(ALLOW_ILLUSTRATIVE_EXCHANGE_RATES=False)
def test_forced_where_the_sample_eur_rate_is_refused_it_stops_with_the_french_reason():
    with pytest.raises(CommandError, match="cours d'exemple"):
        call_command("load_demo_office", force=True, stdout=StringIO())
    assert not Declaration.objects.filter(status=Declaration.Status.CLEARED, invoice_currency="EUR").exists()
