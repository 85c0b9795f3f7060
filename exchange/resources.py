"""django-import-export resources: banks and importers in bulk (CSV/XLSX, keyed by natural
keys), and exports of the ledger for reporting, headed in French (``FrenchHeadersMixin``).
Ledger rows are never imported: they are written by the services only, so every rule is checked."""
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from tariff.resources import FrenchHeadersMixin

from .models import Bank, Commitment, Importer, Payment


class BankResource(FrenchHeadersMixin, resources.ModelResource):
    class Meta:
        model = Bank
        import_id_fields = ("code",)
        fields = ("code", "name")
        skip_unchanged = True


class ImporterResource(FrenchHeadersMixin, resources.ModelResource):
    class Meta:
        model = Importer
        import_id_fields = ("id_number",)
        fields = (
            "id_number", "kind", "name", "trade_register_number", "is_resident", "is_aeronautics_registered",
            "is_oc_categorised", "is_exporter_with_fx_account", "fx_account_available_balance", "fx_account_currency",
        )
        skip_unchanged = True


class CommitmentResource(FrenchHeadersMixin, resources.ModelResource):
    importer = fields.Field(
        attribute="importer", column_name="importer", widget=ForeignKeyWidget(Importer, "id_number")
    )
    bank = fields.Field(attribute="bank", column_name="bank", widget=ForeignKeyWidget(Bank, "code"))

    class Meta:
        model = Commitment
        fields = (
            "number", "importer", "bank", "currency", "subscribed_amount", "total_import_value", "goods_description",
            "subscribed_on", "payment_method", "status", "domiciliation_confirmed_at",
        )


class PaymentResource(FrenchHeadersMixin, resources.ModelResource):
    commitment = fields.Field(
        attribute="commitment", column_name="commitment", widget=ForeignKeyWidget(Commitment, "number")
    )
    bank = fields.Field(attribute="bank", column_name="bank", widget=ForeignKeyWidget(Bank, "code"))

    class Meta:
        model = Payment
        fields = (
            "commitment", "bank", "kind", "date", "amount", "currency", "amount_in_commitment_currency", "amount_mad",
            "funding", "reason",
        )
