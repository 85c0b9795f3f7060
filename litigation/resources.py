"""django-import-export resource of the offence catalogue (admin CSV/XLSX and
``manage.py load_reference_data``), keyed by article + paragraph + variant + valid_from."""
from __future__ import annotations

from import_export import fields

from tariff.kit.resources import ReferenceResource

from .models import Offence
from .selectors import normalize_article, normalize_paragraph


class NormalizedField(fields.Field):
    """Accepts ``279TER`` / ``8`` and stores ``279 ter`` / ``8°`` so natural keys match."""

    def __init__(self, normalizer, **kwargs):
        super().__init__(**kwargs)
        self.normalizer = normalizer

    def clean(self, row, **kwargs):
        value = super().clean(row, **kwargs)
        return self.normalizer(value or "")


class OffenceResource(ReferenceResource):
    article = NormalizedField(normalize_article, attribute="article", column_name="article")
    paragraph = NormalizedField(normalize_paragraph, attribute="paragraph", column_name="paragraph")

    class Meta(ReferenceResource.Meta):
        model = Offence
        import_id_fields = ("article", "paragraph", "variant", "valid_from")
        fields = (
            "article", "paragraph", "variant", "valid_from", "valid_to", "offence_class", "label_fr",
            "penalty_article", "prison_min_months", "prison_max_months", "fine_basis", "fine_multiplier",
            "fine_min", "fine_max", "min_undeclared_amount", "doubling_on_aggravating",
            "doubling_on_sensitive_goods", "confiscate_goods", "confiscate_transport", "confiscate_concealing",
            "confiscation_note", "document_retention_years", "source", "note",
        )


REFERENCE_FILES = (("offences.csv", OffenceResource),)
