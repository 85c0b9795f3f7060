"""Back-office pages of import commitments: list, subscription, detail (headroom per rule,
imputations, payments, history) and the payment page of the domiciliary bank; every step of
the commitment's life for the role that takes it (issue 17):

- the domiciliary bank domiciles (concordance confirmed), validates or rejects a modification,
  pays and carries advances over (payment page), records its settlements before a transfer;
- the new bank of a transfer accepts or rejects it on the transfer page (``commitment-transfer``:
  the only page of a commitment it may open before the transfer, showing what the bank API's
  ``/bank-changes/`` shows it);
- broker staff subscribe, edit (a modification the bank validates), impute, request a bank change.

Each step is a POST form shown only to the role that may take it; the service decides, its French
refusal is shown next to the form's field and nothing is written.

Thin views: reads through ``exchange.selectors`` (history through ``tariff.kit.history``),
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
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from tariff.forms import add_page_errors
from tariff.kit.errors import DomainError
from tariff.kit.history import history_entries
from tariff.kit.numbers import format_amount, format_percent
from tariff.kit.pages import FILE_READERS, FILE_WRITERS, RolePageMixin
from tariff.kit.roles import AUDITOR, BANK_USER, BROKER_STAFF, user_has_role
from tariff.kit.tables import FilteredTableView

from . import rules, selectors, services
from .forms import (
    BankChangeDecisionForm,
    BankChangeRequestForm,
    CarryOverForm,
    CommitmentEditForm,
    CommitmentForm,
    DomiciliationForm,
    ImputationForm,
    ModificationDecisionForm,
    PaymentForm,
)
from .models import BankChange, Commitment, Imputation, Modification, Payment
from .tables import CommitmentFilter, CommitmentTable


class CommitmentPageMixin(RolePageMixin):
    read_roles = FILE_READERS
    write_roles = FILE_WRITERS

    def get_queryset(self):
        return selectors.commitment_list_for(user=self.request.user)


# --- read-only queries for these pages ----------------------------------------------------------

def commitment_history(*, commitment: Commitment):
    """Changes of the commitment (subscription, domiciliation, status, data) and of the
    imputations, payments, modifications and bank changes recorded under it, newest first
    (``tariff.kit.history``)."""
    return history_entries(commitment, related=[
        Imputation.history.filter(commitment_id=commitment.pk),
        Payment.history.filter(commitment_id=commitment.pk),
        Modification.history.filter(commitment_id=commitment.pk),
        BankChange.history.filter(commitment_id=commitment.pk),
    ])


@dataclass(frozen=True)
class ChangedValue:
    label: str
    old: object
    new: object


def modification_rows(modification: Modification, currency: str) -> list[ChangedValue]:
    """A modification's changes as (field label, old value, new value), values as the model reads them
    (amounts in the commitment's ``currency``)."""
    rows = []
    for name, value in modification.changes.items():
        field = Commitment._meta.get_field(name)
        old = modification.previous.get(name)
        rows.append(ChangedValue(str(field.verbose_name), _display(field, old, currency),
                                 _display(field, value, currency)))
    return rows


def _display(field, value, currency: str):
    value = field.to_python(value)
    if value is None or value == "":
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if field.get_internal_type() == "DecimalField":
        if field.decimal_places > 2:  # a rate
            return format_percent(value)
        return format_amount(value, currency)
    return value


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


def headroom_rows(commitment: Commitment, totals, room, fx_room=None) -> list[RuleRoom]:
    """The three rules of the headroom table for an ordinary payment, described with the constants
    of ``exchange.rules``; ``fx_room``: the headroom of a payment from the exporter's FX account,
    noted under the advances (its limit is the contract's rate)."""
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
                 _advance_note(commitment, room, fx_room)),
        RuleRoom("anticipated", _("Règlement par anticipation"), anticipated_source,
                 room.anticipated_limit, totals.anticipated, room.anticipated_room, room.anticipated_ratio,
                 note_anticipated),
        RuleRoom("settlement", _("Règlement après imputation"),
                 _("tous les paiements de la marchandise (acomptes compris) ≤ montant imputé + fret, frais "
                   "accessoires et assurance à l'étranger"),
                 room.settlement_limit, totals.goods_paid, room.settlement_room, room.settlement_ratio,
                 "" if room.settlement_limit else _("Aucune imputation douanière : pas encore de règlement.")),
    ]


def _advance_note(commitment: Commitment, room, fx_room) -> str:
    if fx_room is not None and fx_room.advance_limit:
        return _("Depuis le compte en devises de l'exportateur : limite %(limit)s, reste %(room)s.") % {
            "limit": format_amount(fx_room.advance_limit, commitment.currency),
            "room": format_amount(fx_room.advance_room, commitment.currency)}
    return "" if room.advance_limit else _("Le contrat ne permet pas d'acompte.")


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
        bank = selectors.bank_for_user(self.request.user)
        context["bank"] = bank
        context["pending_transfers"] = list(
            selectors.bank_change_list_for(user=self.request.user).filter(status=BankChange.Status.REQUESTED)
        ) if bank is not None else []
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
        today = timezone.localdate()
        room = selectors.commitment_headroom(commitment=commitment, totals=totals, on_date=today)
        fx_room = selectors.commitment_headroom(commitment=commitment, totals=totals, on_date=today,
                                                from_fx_account=True) \
            if commitment.importer.is_exporter_with_fx_account else None
        context.update(
            totals=totals,
            headroom=room,
            rules_room=headroom_rows(commitment, totals, room, fx_room),
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
        totals = context["totals"]
        bank = selectors.bank_for_user(self.request.user)
        is_commitment_bank = bank is not None and bank.pk == commitment.bank_id
        modifications = list(commitment.modifications.select_related("requested_by", "validated_by"))
        bank_changes = list(selectors.bank_change_list_for(user=self.request.user).filter(commitment=commitment))
        pending_change = next((c for c in bank_changes if c.status == BankChange.Status.REQUESTED), None)
        # Staff's forms by the user's role, not by this view's: the bank's POST views re-render this page.
        staff = user_has_role(self.request.user, *FILE_WRITERS)
        context.update(
            can_write=staff,
            history=commitment_history(commitment=commitment),
            can_impute=staff and context["is_active"] and not totals.final_imputed,
            imputation_closed=rules.ImputationAfterFinal.description() if totals.final_imputed else "",
            imputation_form=kwargs.get("imputation_form") or ImputationForm(
                initial={"currency": commitment.currency, "on_date": timezone.localdate()}),
            only_bank_pays=rules.NotCommitmentBank.description(),
            is_commitment_bank=is_commitment_bank,
            # the bank's steps
            can_domiciliate=is_commitment_bank and not commitment.is_domiciled,
            domiciliation_form=kwargs.get("domiciliation_form") or DomiciliationForm(
                initial={"contract_reference": commitment.contract_reference}),
            modifications=[(m, modification_rows(m, commitment.currency)) for m in modifications],
            can_decide_modifications=is_commitment_bank,
            decision_form=kwargs.get("decision_form"),
            # staff's steps
            can_edit=staff and commitment.status != Commitment.Status.CLOSED,
            bank_changes=bank_changes,
            pending_change=pending_change,
            can_request_bank_change=staff and context["is_active"] and pending_change is None,
            bank_change_form=kwargs.get("bank_change_form") or BankChangeRequestForm(commitment=commitment),
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
                imputation = services.commitment_record_imputation(commitment=self.object, user=request.user, **data)
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                messages.success(request, _("Imputation de %(amount)s %(currency)s enregistrée.")
                                 % {"amount": format_amount(data["amount"]), "currency": data["currency"]})
                notice = rules.imputation_beyond_subscribed_notice(
                    imputed_after=imputation.imputed_to_date, subscribed=self.object.subscribed_amount,
                    currency=self.object.currency)
                if notice:
                    messages.warning(request, notice)
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
            replacement=self.get_queryset().filter(replaces=commitment).first(),
            carried_over=getattr(commitment, "carry_over_out", None),
            carry_over_form=kwargs.get("carry_over_form") or CarryOverForm(initial={"on_date": timezone.localdate()}),
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
                                 % {"kind": payment.get_kind_display(), "amount": format_amount(payment.amount),
                                    "currency": payment.currency})
                return redirect("exchange:commitment-pay", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(payment_form=form))


class CommitmentDomiciliationView(CommitmentDetailView):
    """POST (the domiciliary bank): domicile the commitment, the contract's concordance confirmed."""

    read_roles = ()
    write_roles = (BANK_USER,)
    writers_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = DomiciliationForm(request.POST)
        if form.is_valid():
            try:
                services.commitment_domiciliate(
                    commitment=self.object, user=request.user,
                    contract_concordance_confirmed=form.cleaned_data["contract_concordance_confirmed"],
                    contract_reference=form.cleaned_data["contract_reference"] or None,
                )
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                messages.success(request, _("Engagement %(number)s domicilié.") % {"number": self.object.number})
                return redirect("exchange:commitment-detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(domiciliation_form=form))


class CommitmentModificationDecisionView(CommitmentDetailView):
    """POST (the domiciliary bank): validate or reject one of the commitment's requested modifications."""

    read_roles = ()
    write_roles = (BANK_USER,)
    writers_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = ModificationDecisionForm(request.POST, commitment=self.object)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "validate":
                    services.modification_validate(modification=data["modification"], user=request.user)
                    note = _("Modification validée : l'engagement porte les nouvelles valeurs.")
                else:
                    services.modification_reject(
                        modification=data["modification"], user=request.user, reason=data["rejection_reason"])
                    note = _("Modification refusée.")
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                messages.success(request, note)
                return redirect("exchange:commitment-detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(decision_form=form))


class CommitmentBankChangeRequestView(CommitmentDetailView):
    """POST (broker staff): ask to move the domiciliation to another bank."""

    writers_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = BankChangeRequestForm(request.POST, commitment=self.object)
        if form.is_valid():
            try:
                change = services.commitment_request_bank_change(
                    commitment=self.object, to_bank=form.cleaned_data["to_bank"], user=request.user,
                    reason=form.cleaned_data["reason"])
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                messages.success(request, _("Changement de banque demandé : %(from)s renseigne ses règlements, puis "
                                            "%(to)s accepte le transfert.")
                                 % {"from": change.from_bank.name, "to": change.to_bank.name})
                return redirect("exchange:commitment-detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(bank_change_form=form))


class CommitmentEditView(CommitmentPageMixin, DetailView):
    """Broker staff edit the commitment's data: a modification request the domiciliary bank
    validates (``services.commitment_modify``; Office des Changes FAQ: modification)."""

    template_name = "exchange/commitment_edit.html"
    context_object_name = "commitment"
    writers_only = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        commitment: Commitment = self.object
        context.update(
            form=kwargs.get("form") or CommitmentEditForm(commitment=commitment),
            modification_rules=[
                rules.ModificationLowersSettledValue.description(),
                rules.ModificationAfterTotalImputation.description(),
                rules.ContractAdvanceRateOverLimit.description(),
            ],
            blocked=rules.ModificationAfterTotalImputation.description() if commitment.is_totally_imputed else "",
            pending=commitment.modifications.filter(status=Modification.Status.REQUESTED).count(),
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = CommitmentEditForm(request.POST, commitment=self.object)
        if form.is_valid():
            try:
                services.commitment_modify(commitment=self.object, user=request.user, changes=form.changes(),
                                           reason=form.cleaned_data["reason"])
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                messages.success(request, _("Modification demandée : elle prend effet quand %(bank)s la valide.")
                                 % {"bank": self.object.bank.name})
                return redirect("exchange:commitment-detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(form=form))


class CommitmentTransferView(RolePageMixin, DetailView):
    """A bank change of the commitment and the banks' steps: the initial bank records its
    settlements, then the new bank accepts or rejects. A bank user opens it when its bank is
    party to a change of this commitment (``selectors.bank_change_list_for``), else 404; the new
    bank sees the commitment's summary only (as the bank API shows it), not its ledger."""

    template_name = "exchange/commitment_transfer.html"
    context_object_name = "commitment"
    read_roles = (AUDITOR, BROKER_STAFF, BANK_USER)
    write_roles = (BANK_USER,)

    def get_object(self, queryset=None):
        changes = list(selectors.bank_change_list_for(user=self.request.user).filter(commitment_id=self.kwargs["pk"])
                       .select_related("requested_by", "decided_by", "settlements_recorded_by"))
        bank = selectors.bank_for_user(self.request.user)
        if bank is not None and not changes:
            raise Http404(_("Aucun changement de banque de cet engagement ne concerne votre banque."))
        commitment = get_object_or_404(Commitment.objects.select_related("importer", "bank"), pk=self.kwargs["pk"])
        self.changes, self.bank = changes, bank
        return commitment

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pending = next((c for c in self.changes if c.status == BankChange.Status.REQUESTED), None)
        bank_id = self.bank.pk if self.bank else None
        context.update(
            changes=self.changes,
            pending=pending,
            can_record_settlements=bool(pending and pending.from_bank_id == bank_id
                                        and pending.settlements_recorded_at is None),
            can_decide=bool(pending and pending.to_bank_id == bank_id),
            waiting_settlements=rules.SettlementsNotRecorded.description(),
            form=kwargs.get("form") or BankChangeDecisionForm(),
            can_open_detail=selectors.commitment_list_for(user=self.request.user).filter(pk=self.object.pk).exists(),
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = BankChangeDecisionForm(request.POST)
        pending = next((c for c in self.changes if c.status == BankChange.Status.REQUESTED), None)
        if form.is_valid() and pending is None:
            form.add_error(None, rules.BankChangeNotPending.description())
        elif form.is_valid():
            action = form.cleaned_data["action"]
            try:
                if action == "settlements":
                    change = services.bank_change_record_settlements(bank_change=pending, user=request.user)
                    note = _("Règlements renseignés (%(amount)s %(currency)s) : %(bank)s peut accepter le transfert.") % {
                        "amount": format_amount(change.settled_amount_recorded), "currency": self.object.currency,
                        "bank": change.to_bank.name}
                elif action == "accept":
                    change = services.bank_change_accept(bank_change=pending, user=request.user)
                    note = _("Transfert accepté : l'engagement %(number)s est domicilié chez %(bank)s.") % {
                        "number": self.object.number, "bank": change.to_bank.name}
                else:
                    services.bank_change_reject(bank_change=pending, user=request.user,
                                                reason=form.cleaned_data["rejection_reason"])
                    note = _("Transfert refusé.")
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                messages.success(request, note)
                if action == "accept":
                    return redirect("exchange:commitment-detail", pk=self.object.pk)
                return redirect("exchange:commitment-transfer", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(form=form))


class CommitmentCarryOverView(CommitmentPaymentView):
    """POST (the domiciliary bank): carry the advances over to the commitment replacing this one
    (once only; this one is then closed)."""

    write_roles = (BANK_USER,)
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = CarryOverForm(request.POST)
        target = self.get_queryset().filter(replaces=self.object).first()
        if form.is_valid() and target is None:
            form.add_error(None, rules.CarryOverNotReplacing.description())
        elif form.is_valid():
            try:
                carry = services.commitment_carry_over_advances(
                    source=self.object, target=target, user=request.user, on_date=form.cleaned_data["on_date"])
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                messages.success(request, _("Acomptes de %(amount)s %(currency)s reportés sur l'engagement %(target)s ; "
                                            "cet engagement est clôturé.")
                                 % {"amount": format_amount(carry.amount), "currency": carry.currency,
                                    "target": target.number})
                return redirect("exchange:commitment-pay", pk=target.pk)
        return self.render_to_response(self.get_context_data(carry_over_form=form))
