from tariff.kit.resources import ReferenceResource

from .models import ProcedureCode


class ProcedureCodeResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = ProcedureCode
        import_id_fields = ("code",)
        fields = ("code", "label", "flow", "is_etpp", "liquidates_duties", "guarantee_required", "note")


REFERENCE_FILES = (("procedure_codes.csv", ProcedureCodeResource),)
