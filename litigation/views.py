"""Pages for office staff: the case list, a case with its computed exposure, case
creation, and on a case the actions of the services (add an offence, move the status,
record a settlement).

Thin views: reads through ``litigation.selectors``, writes through ``litigation.services``;
service errors are shown next to the field they name. Broker staff work, auditors read
(forms hidden, POST refused), other roles get 403 (``tariff.views.RolePageMixin``).
Mounted at ``/litigation/`` by config/urls.py."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, TemplateView, View

from tariff.forms import add_page_errors
from tariff.kit.errors import DomainError
from tariff.kit.history import history_entries
from tariff.kit.pages import FILE_READERS, FILE_WRITERS, RolePageMixin
from tariff.kit.pdf import pdf_response
from tariff.kit.tables import FilteredTableView
from tariff.kit.uploads import download_response

from . import printing, rules, selectors, services
from .filters import CaseFilter
from .forms import CaseDocumentForm, CaseForm, CaseOffenceForm, CaseStatusForm, SettlementForm
from .models import Case, CaseDocument, Settlement
from .tables import CaseTable
from .templatetags.litigation_tags import dh

# What each moving action asks before the form is sent (templates/static/js/confirm.js).
CONFIRMATIONS = {
    rules.CaseAction.REVIEW: gettext_lazy("Passer ce dossier « En cours d'examen » ?"),
    rules.CaseAction.REFER: gettext_lazy("Transmettre ce dossier au tribunal ? Aucune transaction ne pourra plus "
                                         "être enregistrée."),
    rules.CaseAction.CLOSE: gettext_lazy("Clôturer ce dossier ? Un dossier clôturé ne peut plus être modifié."),
}


class LitigationPageMixin(RolePageMixin):
    read_roles = FILE_READERS
    write_roles = FILE_WRITERS


class CaseListView(LitigationPageMixin, FilteredTableView):
    """Cases: sortable columns, filters (status, offence, opening and facts dates, party or
    operator), search by case number, party or declaration reference; CSV/XLSX of what is filtered."""

    template_name = "litigation/case_list.html"
    context_object_name = "cases"
    table_class = CaseTable
    filterset_class = CaseFilter
    export_name = "dossiers-contentieux"

    def get_queryset(self):
        return selectors.case_list().select_related("declaration").prefetch_related("parties__party")


class CaseCreateView(LitigationPageMixin, TemplateView):
    """New case (« constatée ») through ``services.case_create``, offences chosen from the
    effective-dated catalogue; then the case page shows its exposure."""

    template_name = "litigation/case_form.html"
    writers_only = True

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=CaseForm()))

    def post(self, request, *args, **kwargs):
        form = CaseForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            case = services.case_create(**form.case_data())
        except (DomainError, ValidationError) as exc:
            add_page_errors(exc, form=form, rows={})
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Dossier %(ref)s créé.") % {"ref": case.reference})
        return redirect("litigation:case-detail", pk=case.pk)


class CaseDetailView(LitigationPageMixin, DetailView):
    template_name = "litigation/case_detail.html"
    context_object_name = "case"

    def get_queryset(self):
        return selectors.case_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case: Case = self.object
        can_write = context["can_write"]
        today = timezone.localdate()
        settlements = list(case.settlements.all())
        # Every action with whether it is allowed now and why not (the services refuse with the
        # same reasons, rules.case_action_refusal); readers see the steps, not the actions.
        actions = rules.case_next_actions(case)
        allowed = {a.action for a in actions if a.allowed} if can_write else set()
        context.update(
            exposure=selectors.case_exposure(case),
            history=history_entries(case, related=[settlements]),
            steps=rules.case_steps(case, settled=bool(settlements)),
            next_actions=[(a, CONFIRMATIONS.get(a.action, "")) for a in actions],
            any_action_allowed=any(a.allowed for a in actions),
            settlements=settlements,
            can_add_offence=rules.CaseAction.ADD_OFFENCE in allowed,
            can_settle=rules.CaseAction.SETTLE in allowed,
            can_add_document=rules.CaseAction.ADD_DOCUMENT in allowed,
            offence_form=kwargs.get("offence_form") or CaseOffenceForm(on_date=case.facts_date),
            settlement_form=kwargs.get("settlement_form") or SettlementForm(initial={"settlement_date": today}),
            status_form=kwargs.get("status_form"),
            document_form=kwargs.get("document_form") or CaseDocumentForm(initial={"document_date": today}),
        )
        return context


class CaseActionView(CaseDetailView):
    """POST-only action on one case: an invalid form or a refusal of the service re-renders
    the case page with the errors next to the fields; nothing is written then."""

    writers_only = True
    http_method_names = ["post"]
    form_context_name = ""

    def make_form(self, data, files=None):
        raise NotImplementedError

    def perform(self, case: Case, form) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.make_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                message = self.perform(self.object, form)
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                messages.success(request, message)
                return redirect("litigation:case-detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(**{self.form_context_name: form}))


class CaseAddOffenceView(CaseActionView):
    form_context_name = "offence_form"

    def make_form(self, data, files=None):
        return CaseOffenceForm(data, on_date=self.object.facts_date)

    def perform(self, case, form):
        charged = services.case_add_offence(case=case, **form.offence_data())
        return _("Infraction %(citation)s ajoutée au dossier.") % {"citation": charged.offence.citation}


class CaseSettlementView(CaseActionView):
    form_context_name = "settlement_form"

    def make_form(self, data, files=None):
        return SettlementForm(data)

    def perform(self, case, form):
        settlement = services.settlement_record(case=case, **form.cleaned_data)
        return _("Transaction enregistrée : %(fines)s d'amendes remises ; %(duties)s de droits et taxes restent "
                 "dus ; %(due)s à payer.") % {"fines": dh(settlement.fines_remitted), "duties": dh(settlement.duties_due),
                                             "due": dh(settlement.amount_due)}


class CaseTransitionView(CaseActionView):
    form_context_name = "status_form"

    def make_form(self, data, files=None):
        return CaseStatusForm(data, case=self.object)

    def perform(self, case, form):
        case = services.case_transition(case=case, to_status=form.cleaned_data["to_status"])
        return _("Statut du dossier : %(status)s.") % {"status": case.get_status_display()}


class CaseDocumentAddView(CaseActionView):
    """Upload a document (PDF, JPEG or PNG, ``tariff.kit.uploads``) through ``services.case_document_add``."""

    form_context_name = "document_form"

    def make_form(self, data, files=None):
        return CaseDocumentForm(data, files)

    def perform(self, case, form):
        document = services.case_document_add(case=case, **form.cleaned_data)
        return _("Document « %(title)s » déposé.") % {"title": document.title}


class CaseDocumentDownloadView(LitigationPageMixin, View):
    """A case document, as an attachment, to those who may read the case (same roles as its page)."""

    def get(self, request, pk, document_pk):
        document = get_object_or_404(CaseDocument.objects.select_related("case"), pk=document_pk, case_id=pk)
        return download_response(document.file)


class SettlementPdfView(LitigationPageMixin, View):
    """The printed summary of one transaction of a case (PDF)."""

    def get(self, request, pk, settlement_pk):
        settlement = get_object_or_404(Settlement.objects.select_related("case__declaration"), pk=settlement_pk,
                                       case_id=pk)
        return pdf_response(printing.settlement_summary_pdf(settlement=settlement),
                            f"transaction-{settlement.case.reference}-{settlement.pk}.pdf")
