"""Lists across commitments (kept apart from the commitment pages of ``exchange.views``): the
payments of every commitment the user may see, sortable, filtered, exported as filtered."""
from __future__ import annotations

from tariff.kit.pages import FILE_READERS, FILE_WRITERS, RolePageMixin
from tariff.kit.roles import BANK_USER
from tariff.kit.tables import FilteredTableView

from . import selectors
from .tables import PaymentFilter, PaymentTable


class PaymentListView(RolePageMixin, FilteredTableView):
    """Payments (acomptes, anticipations, règlements, dépassements): filters (nature, bank,
    dates, commitment number, currency); a bank user sees the payments its bank made on the
    commitments domiciled with it (``selectors.payment_list_for``)."""

    template_name = "exchange/payment_list.html"
    read_roles = (*FILE_READERS, BANK_USER)
    write_roles = FILE_WRITERS
    context_object_name = "payments"
    table_class = PaymentTable
    filterset_class = PaymentFilter
    export_name = "reglements"

    def get_queryset(self):
        return selectors.payment_list_for(user=self.request.user).order_by("-date", "-id")
