"""django-import-export resources: banks and importers in bulk (CSV/XLSX, keyed by natural
keys), and exports of the ledger for reporting, headed in French (``FrenchHeadersMixin``).
Ledger rows are never imported: they are written by the services only, so every rule is checked."""
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from declarations.models import Party
from declarations.parties import identifier_fields, party_get_or_create
from tariff.kit.resources import FrenchHeadersMixin

from .models import Bank, Commitment, Importer, Payment


class BankResource(FrenchHeadersMixin, resources.ModelResource):
    class Meta:
        model = Bank
        import_id_fields = ("code",)
        fields = ("code", "name")
        skip_unchanged = True


class PartyWidget(ForeignKeyWidget):
    """The importer's party named by its ICE / CIN (column ``id_number``); a party the office does
    not know yet is created from the row's name, kind and trade register (the one party record)."""

    def __init__(self):
        super().__init__(Party)

    def clean(self, value, row=None, **kwargs):
        if not value:
            return None
        row = row or {}
        return party_get_or_create(
            name=row.get("name") or "", identifier=str(value), kind=row.get("kind") or None,
            trade_register_number=row.get("trade_register_number") or "", update=True,
        )

    def render(self, value, obj=None, **kwargs):
        return value.identifier if value else ""


class ImporterResource(FrenchHeadersMixin, resources.ModelResource):
    party = fields.Field(attribute="party", column_name="id_number", widget=PartyWidget())
    kind = fields.Field(attribute="party__kind", column_name="kind", readonly=True)
    name = fields.Field(attribute="party__name", column_name="name", readonly=True)
    trade_register_number = fields.Field(
        attribute="party__trade_register_number", column_name="trade_register_number", readonly=True
    )

    class Meta:
        model = Importer
        import_id_fields = ("party",)
        fields = (
            "party", "kind", "name", "trade_register_number", "is_resident", "is_aeronautics_registered",
            "is_oc_categorised", "is_exporter_with_fx_account", "fx_account_available_balance", "fx_account_currency",
        )
        skip_unchanged = True
        # The identity columns are the party's fields (all reached through ``party``).
        french_headers = {
            "party": _("ICE / CIN"), "kind": _("Nature"), "name": _("Raison sociale / nom"),
            "trade_register_number": _("Registre de commerce"),
        }


class ImporterWidget(ForeignKeyWidget):
    """A commitment's importer named by its party's ICE / CIN."""

    def __init__(self):
        super().__init__(Importer)

    def clean(self, value, row=None, **kwargs):
        fields = identifier_fields(str(value)) if value else {}
        importer = (Importer.objects.select_related("party").filter(**{f"party__{k}": v for k, v in fields.items()})
                    .first() if fields else None)  # one query a row
        if importer is None:
            raise ValueError(f"Aucun importateur n'a l'identifiant « {value} ».")
        return importer

    def render(self, value, obj=None, **kwargs):
        return value.id_number if value else ""


class CommitmentResource(FrenchHeadersMixin, resources.ModelResource):
    importer = fields.Field(
        attribute="importer", column_name="importer", widget=ImporterWidget()
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
