"""Back-office pages of import commitments: list, subscription, detail (headroom per rule,
imputations, payments, history) and the payment page of the domiciliary bank.

Thin views: reads through ``exchange.selectors`` (history through ``tariff.history``),
writes through ``exchange.services``; a refused rule is shown in French
next to the field it names and nothing is written. Broker staff work, auditors read
(forms hidden, POST refused). A bank user sees the list and detail of the commitments
domiciled with its bank (another bank's: 404) and pays from its payment page; creation and
imputation are staff work (403).

Payments: ``services.commitment_pay`` only accepts a user of the domiciliary bank (the
bank pays; the partner-bank API does the same). Its page (``commitment-pay``) therefore
works for that bank's users; another bank's user gets 404 (the commitment is not in its
``commitment_list_for``) and a broker staff member's POST gets the service's French refusal.
Mounted at ``/commitments/`` by config/urls.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from tariff.errors import DomainError
from tariff.forms import add_page_errors
from tariff.history import history_entries
from tariff.numbers import format_amount
from tariff.roles import BANK_USER, BROKER_STAFF
from tariff.tables import FilteredTableView
from tariff.views import FILE_READERS, FILE_WRITERS, RolePageMixin

from . import rules, selectors, services
from .forms import CommitmentForm, ImputationForm, PaymentForm
from .models import Commitment, Imputation, Payment
from .tables import CommitmentFilter, CommitmentTable


class CommitmentPageMixin(RolePageMixin):
    read_roles = FILE_READERS
    write_roles = FILE_WRITERS

    def get_queryset(self):
        return selectors.commitment_list_for(user=self.request.user)


# --- read-only queries for these pages ----------------------------------------------------------

def _money(amount) -> str:
    return floatformat(amount, "2g")


def commitment_history(*, commitment: Commitment):
    """Changes of the commitment (subscription, domiciliation, status, data) and of the
    imputations and payments recorded under it, newest first (``tariff.history``)."""
    return history_entries(commitment, related=[
        Imputation.history.filter(commitment_id=commitment.pk),
        Payment.history.filter(commitment_id=commitment.pk),
    ])


@dataclass(frozen=True)
class RuleRoom:
    """One row of the headroom table: a rule, its limit, what is used and what is left."""

    key: str
    label: str
    source: str
    limit: object
    used: object
    room: object
    ratio: object
    note: str = ""

    @property
    def percent(self) -> int:
        return min(int(self.ratio * 100), 100)

    @property
    def applies(self) -> bool:
        return bool(self.limit)


def headroom_rows(commitment: Commitment, totals, room) -> list[RuleRoom]:
    """The three rules of the headroom table, described with the constants of ``exchange.rules``."""
    note_anticipated = ""
    if room.anticipated_limit is None:
        note_anticipated = _("Pas de cours de change douanier du jour pour %(currency)s : limite en MAD non "
                             "convertie.") % {"currency": commitment.currency}
    advance_source = _("≤ %(rate)s %% de la valeur totale (%(aero)s %% aéronautique), dans le taux du contrat") % {
        "rate": rules.ADVANCE_RATE, "aero": rules.ADVANCE_RATE_AERONAUTICS}
    anticipated_source = _("≤ %(cap)s (%(aero)s aéronautique ; 100 %% opérateur catégorisé)") % {
        "cap": format_amount(rules.ANTICIPATED_LIMIT_MAD, "MAD"),
        "aero": format_amount(rules.ANTICIPATED_LIMIT_AERONAUTICS_MAD, "MAD")}
    return [
        RuleRoom("advance", _("Acomptes"), advance_source,
                 room.advance_limit, totals.advances, room.advance_room, room.advance_ratio,
                 "" if room.advance_limit else _("Le contrat ne permet pas d'acompte.")),
        RuleRoom("anticipated", _("Règlement par anticipation"), anticipated_source,
                 room.anticipated_limit, totals.anticipated, room.anticipated_room, room.anticipated_ratio,
                 note_anticipated),
        RuleRoom("settlement", _("Règlement après imputation"),
                 _("tous les paiements de la marchandise (acomptes compris) ≤ montant imputé + fret, frais "
                   "accessoires et assurance à l'étranger"),
                 room.settlement_limit, totals.goods_paid, room.settlement_room, room.settlement_ratio,
                 "" if room.settlement_limit else _("Aucune imputation douanière : pas encore de règlement.")),
    ]


# --- pages ----------------------------------------------------------------------------------------

class CommitmentListView(CommitmentPageMixin, FilteredTableView):
    """Commitments: sortable columns, filters (number, status, importer name or ICE, bank,
    subscription dates), CSV/XLSX export of what is filtered."""

    template_name = "exchange/commitment_list.html"
    read_roles = (*FILE_READERS, BANK_USER)  # a bank sees the commitments domiciled with it
    context_object_name = "commitments"
    table_class = CommitmentTable
    filterset_class = CommitmentFilter
    export_name = "engagements"

    def get_queryset(self):
        return super().get_queryset().order_by("-subscribed_on", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = context["table"]
        context["rows"] = [(c, table.totals(c)) for c in context["commitments"]]
        return context


class CommitmentCreateView(CommitmentPageMixin, TemplateView):
    template_name = "exchange/commitment_form.html"
    writers_only = True

    def get(self, request, *args, **kwargs):
        form = CommitmentForm(initial={"subscribed_on": timezone.localdate(), "currency": "MAD"})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = CommitmentForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            commitment = services.commitment_create(user=request.user, **form.commitment_data())
        except (DomainError, ValidationError) as exc:
            add_page_errors(exc, form=form, rows={})
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Engagement %(number)s souscrit ; la banque doit le domicilier.")
                         % {"number": commitment.number})
        return redirect("exchange:commitment-detail", pk=commitment.pk)


class CommitmentLedgerView(CommitmentPageMixin, DetailView):
    """One commitment with its ledger: totals, headroom per rule, imputations and payments."""

    context_object_name = "commitment"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        commitment: Commitment = self.object
        totals = selectors.commitment_totals(commitment=commitment)
        room = selectors.commitment_headroom(commitment=commitment, totals=totals, on_date=timezone.localdate())
        context.update(
            totals=totals,
            headroom=room,
            rules_room=headroom_rows(commitment, totals, room),
            imputations=list(selectors.imputation_list(commitment=commitment).select_related("created_by")),
            payments=list(selectors.payment_list(commitment=commitment)),
            is_active=commitment.is_domiciled and commitment.status != Commitment.Status.CLOSED,
        )
        return context


class CommitmentDetailView(CommitmentLedgerView):
    template_name = "exchange/commitment_detail.html"
    read_roles = (*FILE_READERS, BANK_USER)  # another bank's commitment: 404 (commitment_list_for)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        commitment: Commitment = self.object
        context.update(
            history=commitment_history(commitment=commitment),
            can_impute=context["can_write"] and context["is_active"],
            imputation_form=kwargs.get("imputation_form") or ImputationForm(
                initial={"currency": commitment.currency, "on_date": timezone.localdate()}),
            only_bank_pays=rules.NotCommitmentBank.description(),
        )
        return context


class CommitmentImputationView(CommitmentDetailView):
    """POST: record a customs imputation; a refusal re-renders the page with the error
    next to its field and nothing written."""

    writers_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = ImputationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.commitment_record_imputation(commitment=self.object, user=request.user, **data)
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                messages.success(request, _("Imputation de %(amount)s %(currency)s enregistrée.")
                                 % {"amount": _money(data["amount"]), "currency": data["currency"]})
                return redirect("exchange:commitment-detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(imputation_form=form))


class CommitmentPaymentView(CommitmentLedgerView):
    """The payment page of the domiciliary bank: headroom per rule, payments so far, and the
    form calling ``services.commitment_pay`` as the logged-in bank user. A broker staff member
    may open it, but the service refuses a payment by anyone but that bank (French message,
    nothing written)."""

    template_name = "exchange/commitment_payment.html"
    read_roles = ()
    write_roles = (BANK_USER, BROKER_STAFF)
    writers_only = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bank = selectors.bank_for_user(self.request.user)
        commitment: Commitment = self.object
        context.update(
            is_commitment_bank=bank is not None and bank.pk == commitment.bank_id,
            payment_form=kwargs.get("payment_form") or PaymentForm(
                initial={"currency": commitment.currency, "on_date": timezone.localdate()}),
            only_bank_pays=rules.NotCommitmentBank.description(),
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = PaymentForm(request.POST)
        if form.is_valid():
            try:
                result = services.commitment_pay(commitment=self.object, user=request.user, **form.payment_data())
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                payment = result.payment
                messages.success(request, _("%(kind)s de %(amount)s %(currency)s enregistré.")
                                 % {"kind": payment.get_kind_display(), "amount": _money(payment.amount),
                                    "currency": payment.currency})
                return redirect("exchange:commitment-pay", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(payment_form=form))
