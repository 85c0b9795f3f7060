from django.apps import AppConfig


class OfficeConfig(AppConfig):
    """The project layer as an app, for the commands that span every app (the demo office): it
    sits above the domain apps, which never import it (``tests/test_layering.py``)."""

    name = "config"
    label = "office"
    verbose_name = "Bureau"
