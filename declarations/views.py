"""Back-office pages: declarations (DUM), ETPP authorisations and recalculation runs.

Thin views: reads through ``declarations.selectors`` (plus the few read-only
queries below that only these pages and the dashboard, config/dashboard.py, need), writes through ``declarations.services``;
service errors are shown next to the field they name or as page messages.
Broker staff work, auditors read (write buttons hidden, POST refused), other roles get 403.
"""
from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView, View

from tariff.forms import add_page_errors
from tariff.kit.errors import DomainError
from tariff.kit.forms import domain_error_list
from tariff.kit.history import history_entries
from tariff.kit.pages import FILE_READERS, FILE_WRITERS, RolePageMixin
from tariff.kit.pdf import pdf_response
from tariff.kit.roles import BROKER_STAFF, REFERENCE_EDITOR, user_has_role
from tariff.kit.tables import FilteredTableView
from tariff.kit.uploads import download_response
from tariff.models import FinanceLaw

from . import printing, recalculation, selectors, services, tasks
from .documents import declaration_document_add, declaration_document_refusal
from .filters import DeclarationFilter, DeclarationPaymentFilter, EtppFilter, RecalculationRunFilter
from .forms import (
    ArticleFormSet,
    DeclarationDocumentForm,
    DeclarationForm,
    DocumentFormSet,
    EtppAuthorisationForm,
    EtppIssueForm,
    EtppItemFormSet,
    PaymentForm,
    RegisterForm,
    ReleaseForm,
    ReliquidateForm,
    article_initial,
)
from .models import (
    AnnexedDocument,
    Article,
    Declaration,
    DeclarationPayment,
    EtppAuthorisation,
    RecalculationRun,
)
from .selectors import declaration_page_list, etpp_authorisation_detail_queryset
from .tables import DeclarationPaymentTable, DeclarationTable, EtppTable, RecalculationRunTable


class FilePageMixin(RolePageMixin):
    read_roles = FILE_READERS
    write_roles = FILE_WRITERS


# --- declarations ---------------------------------------------------------------------------------

class DeclarationListView(FilePageMixin, FilteredTableView):
    """Declarations: sortable columns, filters (status, régime, operator, tariff line, registration
    dates), search by reference, operator name or ICE, tariff line; CSV/XLSX of what is filtered."""

    template_name = "declarations/declaration_list.html"
    context_object_name = "declarations"
    table_class = DeclarationTable
    filterset_class = DeclarationFilter
    export_name = "declarations"

    def get_queryset(self):
        return declaration_page_list()


class DeclarationCreateView(FilePageMixin, TemplateView):
    """New draft declaration: header, articles and annexed documents. "Prévisualiser"
    re-renders the page with each article's customs value and the liquidation preview
    (``declaration_preview``, nothing saved); "Enregistrer le brouillon" saves through
    ``declaration_create``."""

    template_name = "declarations/declaration_form.html"
    writers_only = True

    def get(self, request, *args, **kwargs):
        form = DeclarationForm(initial={"rates_date": timezone.localdate()})
        return self.render_page(form, ArticleFormSet(prefix="articles"), DocumentFormSet(prefix="documents"))

    def post(self, request, *args, **kwargs):
        data = request.POST.copy()
        action = data.get("action", "save")
        for prefix, row in (("articles", "add_article"), ("documents", "add_document")):
            if action == row:  # without JavaScript: one more empty row
                data[f"{prefix}-TOTAL_FORMS"] = str(int(data.get(f"{prefix}-TOTAL_FORMS") or 0) + 1)
        form, articles, documents = self.make_forms(data)
        if action in ("add_article", "add_document"):
            return self.render_page(form, articles, documents)
        if not (form.is_valid() & articles.is_valid() & documents.is_valid()):
            return self.render_page(form, articles, documents)
        article_forms = articles.filled_forms()
        rows = {"articles": article_forms, "documents": documents.filled_forms()}
        if action == "preview":
            return self.render_page(form, articles, documents,
                                    preview=self.preview(form, article_forms, rows["documents"]))
        try:
            declaration = self.save(form, article_forms, rows["documents"])
        except (DomainError, ValidationError) as exc:
            add_page_errors(exc, form=form, rows=rows)
            return self.render_page(form, articles, documents)
        messages.success(request, self.saved_message % {"ref": declaration.reference})
        return redirect("declarations:detail", pk=declaration.pk)

    saved_message = _("Brouillon de la déclaration %(ref)s sauvegardé.")

    def make_forms(self, data):
        return (DeclarationForm(data), ArticleFormSet(data, prefix="articles"),
                DocumentFormSet(data, prefix="documents"))

    def save(self, form, article_forms, document_forms) -> Declaration:
        return services.declaration_create(
            declarant=self.request.user, **form.declaration_data(),
            articles=[f.article_data() for f in article_forms],
            documents=[f.document_data() for f in document_forms],
        )

    def preview(self, form: DeclarationForm, article_forms, document_forms) -> dict:
        """Unsaved declaration and articles → customs values, duties, and registration's own
        check list (``services.declaration_checks``: what it would refuse and warn of)."""
        on_date = form.cleaned_data.get("rates_date") or timezone.localdate()
        declaration = Declaration(**form.declaration_data())
        articles = []
        for number, article_form in enumerate(article_forms, start=1):
            data = article_form.article_data()
            data.pop("tariff_code")
            articles.append(Article(number=number, tariff_line=article_form.cleaned_data["tariff_line"], **data))
        result = services.declaration_preview(
            declaration=declaration, articles=articles, on_date=on_date,
            document_kinds={f.document_data()["kind"] for f in document_forms})
        for article_form, article in zip(article_forms, articles):
            article_form.preview_value = article.customs_value
        for article_form, item in zip(article_forms, result.taxes):
            article_form.preview_lines = item.lines
        return {"on_date": on_date, "result": result}

    def render_page(self, form, articles, documents, preview=None):
        return self.render_to_response(self.get_context_data(
            form=form, articles=articles, documents=documents, preview=preview,
            editing=getattr(self, "declaration", None),
            currencies=("MAD", "EUR", "USD", "GBP", "CNY", "TRY", "AED"),
        ))


class DeclarationEditView(DeclarationCreateView):
    """Edit a draft with the same page as creation (header, articles, documents, preview);
    "Enregistrer le brouillon" saves through ``declaration_update_draft``. A declaration
    that is no longer a draft goes back to its detail page with a message."""

    def dispatch(self, request, *args, **kwargs):
        self.declaration = None
        return super().dispatch(request, *args, **kwargs)

    def _draft(self, request, pk):
        declaration = get_object_or_404(selectors.declaration_detail_queryset(), pk=pk)
        if declaration.status != Declaration.Status.DRAFT:
            messages.error(request, _("Seul un brouillon peut être modifié."))
            return declaration, redirect("declarations:detail", pk=declaration.pk)
        self.declaration = declaration
        return declaration, None

    def get(self, request, *args, **kwargs):
        declaration, refused = self._draft(request, kwargs["pk"])
        if refused:
            return refused
        return self.render_page(
            DeclarationForm(initial=DeclarationForm.initial_for(declaration), declaration=declaration),
            ArticleFormSet(prefix="articles", initial=self.article_rows()),
            DocumentFormSet(prefix="documents", initial=self.document_rows()),
        )

    def post(self, request, *args, **kwargs):
        _declaration, refused = self._draft(request, kwargs["pk"])
        return refused or super().post(request, *args, **kwargs)

    def article_rows(self) -> list[dict]:
        return [article_initial(a) for a in self.declaration.articles.order_by("number")]

    def document_rows(self) -> list[dict]:
        return [{"kind": d.kind, "reference": d.reference} for d in self.declaration.documents.order_by("id")]

    def make_forms(self, data):
        return (
            DeclarationForm(data, initial=DeclarationForm.initial_for(self.declaration), declaration=self.declaration),
            ArticleFormSet(data, prefix="articles", initial=self.article_rows()),
            DocumentFormSet(data, prefix="documents", initial=self.document_rows()),
        )

    def save(self, form, article_forms, document_forms) -> Declaration:
        return services.declaration_update_draft(
            declaration=self.declaration, **form.declaration_data(),
            articles=[f.article_data() for f in article_forms],
            documents=[f.document_data() for f in document_forms],
        )

    saved_message = _("Brouillon de la déclaration %(ref)s modifié.")


class DeclarationDetailView(FilePageMixin, DetailView):
    template_name = "declarations/declaration_detail.html"
    context_object_name = "declaration"

    def get_queryset(self):
        return selectors.declaration_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        declaration: Declaration = self.object
        today = timezone.localdate()
        articles = list(declaration.articles.all())
        liquidations = list(declaration.liquidations.all())
        current = next((liq for liq in liquidations if liq.is_current), None)
        status, can_write = declaration.status, context["can_write"]
        preview = None
        if status == Declaration.Status.DRAFT and sum(a.invoiced_value for a in articles) > 0:
            # (all-zero invoiced values leave nothing to allocate: registration refuses them anyway)
            preview = services.declaration_preview(declaration=declaration, articles=articles, on_date=today)
        context.update(
            articles=articles,
            documents=list(declaration.documents.all()),
            liquidations=liquidations,
            history=history_entries(declaration, related=[liquidations]),
            current_liquidation=current,
            preview=preview,
            today=today,
            can_register=can_write and status == Declaration.Status.DRAFT,
            can_liquidate=can_write and status == Declaration.Status.REGISTERED,
            can_reliquidate=can_write and status == Declaration.Status.LIQUIDATED
            and declaration.procedure.liquidates_duties,
            can_cancel=can_write and status in (Declaration.Status.DRAFT, Declaration.Status.REGISTERED),
            can_pay=can_write and status == Declaration.Status.LIQUIDATED and current is not None and current.total > 0,
            can_release=can_write and (status == Declaration.Status.PAID or (
                status == Declaration.Status.LIQUIDATED and current is not None and current.total == 0)),
            register_form=kwargs.get("register_form") or RegisterForm(initial={"date": today}),
            reliquidate_form=kwargs.get("reliquidate_form") or ReliquidateForm(),
            payment_form=kwargs.get("payment_form") or PaymentForm(initial={
                "paid_on": today, "amount": current.total if current else None}),
            release_form=kwargs.get("release_form") or ReleaseForm(initial={"released_on": today}),
            payment=getattr(declaration, "payment", None),
            release=getattr(declaration, "release", None),
            can_add_document=can_write and declaration_document_refusal(declaration) is None,
            document_form=kwargs.get("document_form") or DeclarationDocumentForm(),
        )
        return context


class DeclarationActionView(DeclarationDetailView):
    """POST-only action on one declaration; errors of the service become page messages."""

    writers_only = True
    http_method_names = ["post"]
    form_class = None
    form_context_name = ""

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            return self.render_to_response(self.get_context_data(**{self.form_context_name: form}))
        try:
            self.perform(self.object, form)
        except DomainError as exc:
            for item in domain_error_list(exc):
                messages.error(request, item.message)
        return redirect("declarations:detail", pk=self.object.pk)

    def perform(self, declaration: Declaration, form) -> None:
        raise NotImplementedError


class DeclarationRegisterView(DeclarationActionView):
    form_class = RegisterForm
    form_context_name = "register_form"

    def perform(self, declaration, form):
        result = services.declaration_register(
            declaration=declaration, user=self.request.user, on_date=form.cleaned_data.get("date"))
        messages.success(self.request, _("Déclaration enregistrée le %(date)s ; les taux de cette date s'appliquent.")
                         % {"date": date_format(result.declaration.registered_on, "d/m/Y")})
        for warning in result.warnings:
            messages.warning(self.request, warning)


class DeclarationLiquidateView(DeclarationActionView):
    def perform(self, declaration, form):
        liquidation = services.declaration_liquidate(declaration=declaration, user=self.request.user)
        messages.success(self.request, _("Déclaration liquidée : %(total)s MAD de droits et taxes.")
                         % {"total": _money(liquidation.total)})


class DeclarationReliquidateView(DeclarationActionView):
    form_class = ReliquidateForm
    form_context_name = "reliquidate_form"

    def perform(self, declaration, form):
        result = services.declaration_reliquidate(
            declaration=declaration, user=self.request.user, reason=form.cleaned_data["reason"])
        if result.current is None:
            messages.info(self.request, _("Aucun changement : la liquidation en vigueur est conservée."))
        else:
            messages.success(self.request, _("Reliquidation n° %(n)s : écart de %(delta)s MAD.")
                             % {"n": result.current.sequence, "delta": _money(result.delta["total"])})


class DeclarationPaymentView(DeclarationActionView):
    form_class = PaymentForm
    form_context_name = "payment_form"

    def perform(self, declaration, form):
        payment = services.declaration_record_payment(declaration=declaration, user=self.request.user,
                                                      **form.cleaned_data)
        messages.success(self.request, _("Paiement de %(amount)s MAD enregistré (%(ref)s).")
                         % {"amount": _money(payment.amount), "ref": payment.reference})


class DeclarationReleaseView(DeclarationActionView):
    form_class = ReleaseForm
    form_context_name = "release_form"

    def perform(self, declaration, form):
        release = services.declaration_record_release(declaration=declaration, user=self.request.user,
                                                      **form.cleaned_data)
        messages.success(self.request, _("Mainlevée %(ref)s enregistrée : marchandises dédouanées.")
                         % {"ref": release.reference})


class DeclarationPdfView(FilePageMixin, DetailView):
    """The liquidation note or the declaration summary, as PDF."""

    summary = False

    def get_queryset(self):
        return selectors.declaration_detail_queryset()

    def get(self, request, *args, **kwargs):
        declaration = self.get_object()
        if self.summary:
            return pdf_response(printing.declaration_summary_pdf(declaration=declaration),
                                f"recapitulatif-{declaration.reference}.pdf")
        try:
            content = printing.liquidation_note_pdf(declaration=declaration)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("declarations:detail", pk=declaration.pk)
        return pdf_response(content, f"bulletin-liquidation-{declaration.reference}.pdf")


class ToPayListView(FilePageMixin, TemplateView):
    """Liquidated, unpaid declarations with their amount due and age: the office's "à payer"."""

    template_name = "declarations/to_pay.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.declarations_to_pay(today=timezone.localdate())
        context.update(rows=rows, total_due=sum((r.amount_due for r in rows), Decimal("0.00")))
        return context


class DeclarationPaymentListView(FilePageMixin, FilteredTableView):
    """Payments of duties and taxes (quittances): sortable, filtered (operator, means, amount,
    payment dates), searched by declaration, receipt, operator or ICE; CSV/XLSX of what is filtered."""

    template_name = "declarations/payment_list.html"
    context_object_name = "payments"
    table_class = DeclarationPaymentTable
    filterset_class = DeclarationPaymentFilter
    export_name = "paiements-dum"

    def get_queryset(self):
        return DeclarationPayment.objects.select_related("declaration__party").order_by("-paid_on", "-id")


class DeclarationCancelView(DeclarationActionView):
    def perform(self, declaration, form):
        services.declaration_cancel(declaration=declaration)
        messages.success(self.request, _("Déclaration annulée."))


def _money(amount: Decimal) -> str:
    return floatformat(amount, "2g")


# --- ETPP authorisations ----------------------------------------------------------------------------

class EtppListView(FilePageMixin, FilteredTableView):
    """ETPP authorisations: sortable, filtered (state, exporter, request dates), searched by
    number, exporter name or ICE; CSV/XLSX of what is filtered."""

    template_name = "declarations/etpp_list.html"
    context_object_name = "authorisations"
    table_class = EtppTable
    filterset_class = EtppFilter
    export_name = "autorisations-etpp"

    def get_queryset(self):
        return EtppAuthorisation.objects.select_related("exporter").annotate(
            item_count=Count("items")).order_by("-requested_on", "number")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context.update(today=today, rows=[(auth, auth.is_overdue(today), (today - auth.due_on).days)
                                          for auth in context["authorisations"]])
        return context


class EtppCreateView(FilePageMixin, TemplateView):
    template_name = "declarations/etpp_form.html"
    writers_only = True

    def get(self, request, *args, **kwargs):
        form = EtppAuthorisationForm(initial={"requested_on": timezone.localdate()})
        return self.render_to_response(self.get_context_data(form=form, items=EtppItemFormSet(prefix="items")))

    def post(self, request, *args, **kwargs):
        data = request.POST.copy()
        if data.get("action") == "add_item":
            data["items-TOTAL_FORMS"] = str(int(data.get("items-TOTAL_FORMS") or 0) + 1)
        form = EtppAuthorisationForm(data)
        items = EtppItemFormSet(data, prefix="items")
        if data.get("action") == "add_item" or not (form.is_valid() & items.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, items=items))
        item_forms = items.filled_forms()
        try:
            authorisation = services.etpp_authorisation_create(
                **form.authorisation_data(), items=[f.item_data() for f in item_forms])
        except (DomainError, ValidationError) as exc:
            add_page_errors(exc, form=form, rows={"items": item_forms})
            return self.render_to_response(self.get_context_data(form=form, items=items))
        messages.success(request, _("Autorisation ETPP %(n)s créée.") % {"n": authorisation.number})
        return redirect("declarations:etpp-detail", pk=authorisation.pk)


class EtppDetailView(FilePageMixin, DetailView):
    template_name = "declarations/etpp_detail.html"
    context_object_name = "authorisation"

    def get_queryset(self):
        return etpp_authorisation_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        auth: EtppAuthorisation = self.object
        context.update(
            today=today, overdue=auth.is_overdue(today), days_late=(today - auth.due_on).days,
            items=list(auth.items.all()), declarations=list(auth.declarations.order_by("-created_at")),
            can_issue=context["can_write"] and auth.issued_on is None,
            issue_form=kwargs.get("issue_form") or EtppIssueForm(initial={"issued_on": today, "valid_from": today}),
        )
        return context


class EtppIssueView(EtppDetailView):
    """Record the delivery of a pending authorisation (date and validity)."""

    writers_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = EtppIssueForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(issue_form=form))
        try:
            services.etpp_authorisation_issue(authorisation=self.object, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            add_page_errors(exc, form=form, rows={})
            return self.render_to_response(self.get_context_data(issue_form=form))
        messages.success(request, _("Délivrance de l'autorisation enregistrée."))
        return redirect(reverse("declarations:etpp-detail", args=[self.object.pk]))


# --- recalculation runs (finance-law changes) ------------------------------------------------------

SIMULATORS = (BROKER_STAFF, REFERENCE_EDITOR)  # start what-ifs (tariff.kit.permissions.SimulationPermission)


class RunPageMixin(FilePageMixin):
    """Runs are read by the file readers and by the reference-data editors who publish laws."""

    read_roles = (*FILE_READERS, REFERENCE_EDITOR)


class RecalculationRunListView(RunPageMixin, FilteredTableView):
    """Runs: sortable, filtered (law, recalculation or what-if, status, start dates); CSV/XLSX
    of what is filtered; simulators start a what-if of a draft law from here."""

    template_name = "declarations/recalculation_list.html"
    context_object_name = "runs"
    table_class = RecalculationRunTable
    filterset_class = RecalculationRunFilter
    export_name = "recalculs"

    def get_queryset(self):
        return RecalculationRun.objects.select_related("law").order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if user_has_role(self.request.user, *SIMULATORS):
            context["draft_laws"] = FinanceLaw.objects.filter(status=FinanceLaw.Status.DRAFT).order_by("-effective_date")
        return context


class WhatIfStartView(RolePageMixin, View):
    """Start the what-if simulation of a draft law (a job) and follow it on its run's page."""

    write_roles = SIMULATORS

    def post(self, request):
        law_id = request.POST.get("law", "")
        if not (law_id.isascii() and law_id.isdigit()):
            raise Http404(_("Loi de finances inconnue."))
        law = get_object_or_404(FinanceLaw, pk=law_id)
        try:
            run, created = tasks.what_if_enqueue(law=law, user=request.user)
        except DomainError as exc:  # embedded mode runs it inline: a draft that cannot apply says why
            messages.error(request, exc.message)
            return redirect("declarations:recalculation-list")
        if created:
            messages.success(request, _("Simulation lancée : elle se poursuit en arrière-plan."))
        else:
            messages.info(request, _("Une simulation de cette loi est déjà en cours."))
        return redirect("declarations:recalculation-detail", run.pk)


class RecalculationRunResumeView(RolePageMixin, View):
    """Send the remaining batches of a run again (its worker died): reference-data editors."""

    write_roles = (REFERENCE_EDITOR,)

    def post(self, request, pk):
        run = get_object_or_404(RecalculationRun, pk=pk)
        try:
            tasks.run_resume(run)
            messages.success(request, _("Reprise demandée : les lots restants sont renvoyés aux workers."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("declarations:recalculation-detail", run.pk)


class RecalculationRunExportView(RunPageMixin, DetailView):
    """The per-declaration differences of a finished what-if, as CSV."""

    queryset = RecalculationRun.objects.select_related("law").filter(
        kind=RecalculationRun.Kind.WHAT_IF, status=RecalculationRun.Status.SUCCEEDED)

    def get(self, request, *args, **kwargs):
        run = self.get_object()
        response = HttpResponse(recalculation.what_if_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="what-if-{run.law.code}-{run.pk}.csv"'
        return response


class RecalculationRunDetailView(RunPageMixin, DetailView):
    """A run with its live progress (the page polls the JSON view while it runs) and
    the before/after difference of every declaration it touched."""

    template_name = "declarations/recalculation_detail.html"
    context_object_name = "run"
    queryset = RecalculationRun.objects.select_related("law")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        results = self.object.results.select_related("declaration").exclude(outcome="unchanged").order_by(
            "declaration_id")
        context["results"] = results[:500]
        context["results_hidden"] = max(0, results.count() - 500)
        context["running"] = self.object.status in (RecalculationRun.Status.PENDING, RecalculationRun.Status.RUNNING)
        if self.object.kind == RecalculationRun.Kind.WHAT_IF and self.object.status == RecalculationRun.Status.SUCCEEDED:
            context["impact"] = recalculation.what_if_impact(run=self.object)
        context["can_resume"] = (self.object.status != RecalculationRun.Status.SUCCEEDED
                                 and user_has_role(self.request.user, REFERENCE_EDITOR))
        return context


class RecalculationRunProgressView(RunPageMixin, DetailView):
    queryset = RecalculationRun.objects.all()

    def get(self, request, *args, **kwargs):
        run = self.get_object()
        return JsonResponse({
            "status": run.status, "status_label": run.get_status_display(), "progress": run.progress_percent,
            "candidates": run.candidates, "processed": run.processed, "changed": run.changed,
            "unchanged": run.unchanged, "failed": run.failed,
        })


# --- annexed documents (declarations.documents) -------------------------------------------------

class DeclarationDocumentAddView(DeclarationDetailView):
    """Upload a document annexed to the declaration; a refused file re-renders the page with
    the French error next to the field, nothing written."""

    writers_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = DeclarationDocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = declaration_document_add(declaration=self.object, **form.cleaned_data)
            except (DomainError, ValidationError) as exc:
                add_page_errors(exc, form=form, rows={})
            else:
                messages.success(request, _("Document %(document)s annexé.") % {"document": document})
                return redirect("declarations:detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(document_form=form))


class DeclarationDocumentDownloadView(FilePageMixin, View):
    """A document annexed to a declaration, as an attachment, to those who may read the declaration."""

    def get(self, request, pk, document_pk):
        document = get_object_or_404(AnnexedDocument, pk=document_pk, declaration_id=pk)
        return download_response(document.file)
