"""Admin for reference-data editors: every table importable/exportable (CSV, XLSX)
through django-import-export, with history (django-simple-history)."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from . import resources, selectors
from .codes import normalize_tariff_code
from .imports import (
    ReferenceImportRefused,
    reference_import_create,
    reference_import_progress,
    reference_import_request_confirm,
    reference_tables,
    table_for_file,
    upload_bytes,
)
from .kit.errors import DomainError
from .kit.history import SimpleHistoryAdmin  # reverting a version needs the change permission
from .kit.spreadsheets import SafeFormatsMixin
from .models import (
    BlanketDutyChange,
    DraftRateChange,
    DutyRate,
    ExchangeRate,
    ExciseCategory,
    ExciseRate,
    FinanceLaw,
    FranchiseCode,
    FranchiseRate,
    Quota,
    ReferenceImport,
    SchoolSupplyItem,
    TariffLine,
    VatCategory,
    VatRate,
    WarehouseDisposalReason,
)
from .services import finance_law_publish
from .tasks import reference_import_confirm_task, reference_import_preview_task


class ReferenceAdmin(SafeFormatsMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    """Export in the request; import as a job (issue 18): the "Importer" button leads to the
    reference-import page with this table chosen."""

    list_per_page = 100

    def import_action(self, request, *args, **kwargs):
        return self._to_import_job(request)

    def process_import(self, request, *args, **kwargs):
        return self._to_import_job(request)

    def _to_import_job(self, request):


        table = next((t.name for t in reference_tables().values() if t.model is self.model), "")
        return redirect(reverse("admin:tariff_referenceimport_add") + (f"?table={table}" if table else ""))


class DutyRateInline(admin.TabularInline):
    model = DutyRate
    extra = 0
    fields = ("rate", "law", "valid_from", "valid_to", "note")
    autocomplete_fields = ("law",)


class TariffLineForm(forms.ModelForm):
    code = forms.CharField(label="Code", max_length=13, help_text="8517.13.00.00 ou 8517130000")

    class Meta:
        model = TariffLine
        fields = ("code", "description", "unit", "di_40_before_lfr_2020")

    def clean_code(self):
        try:
            return normalize_tariff_code(self.cleaned_data["code"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


class DraftRateChangeInline(admin.TabularInline):
    model = DraftRateChange
    extra = 0
    autocomplete_fields = ("tariff_line",)
    fields = ("kind", "tariff_line", "excise_category", "band_label", "vat_category", "franchise", "rate", "exempt",
              "specific_amount", "ad_valorem_rate", "minimum_amount", "sugar_threshold", "valid_from", "valid_to", "note")


@admin.register(FinanceLaw)
class FinanceLawAdmin(ReferenceAdmin):
    resource_classes = [resources.FinanceLawResource]
    list_display = ("code", "title", "budget_year", "effective_date", "circular_reference", "status", "published_at")
    list_filter = ("kind", "status")
    search_fields = ("code", "number", "title", "circular_reference")
    readonly_fields = ("published_at",)
    inlines = [DraftRateChangeInline]
    actions = ["publish"]

    def get_changeform_initial_data(self, request):
        # A new law starts as a draft: it is published by the action below, after confirmation.
        return {"status": FinanceLaw.Status.DRAFT, **super().get_changeform_initial_data(request)}

    @admin.action(description="Publier la loi (applique ses taux et lance le recalcul des déclarations)",
                  permissions=["change"])
    def publish(self, request, queryset):
        """First a page listing what publishing changes (each law's draft rates) and asking to
        confirm; the confirmed POST publishes."""

        if request.POST.get("confirm") != "yes":
            laws = queryset.prefetch_related("draft_changes")
            return TemplateResponse(request, "admin/tariff/financelaw/publish_confirmation.html", {
                **self.admin_site.each_context(request), "title": "Publier ces lois ?", "laws": laws,
                "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            })
        for law in queryset:
            try:
                finance_law_publish(law=law, user=request.user)
            except DomainError as exc:
                self.message_user(request, f"{law} : {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{law} publiée ; recalcul des déclarations lancé.", messages.SUCCESS)
        return None


@admin.register(TariffLine)
class TariffLineAdmin(ReferenceAdmin):
    form = TariffLineForm
    resource_classes = [resources.TariffLineResource]
    list_display = ("dotted_code", "description", "unit", "di_40_before_lfr_2020")
    list_filter = ("di_40_before_lfr_2020", "unit")
    search_fields = ("code", "description")  # the box shows; the search is the tariff page's
    inlines = [DutyRateInline]

    def get_search_results(self, request, queryset, search_term):
        """Code with or without dots, chapter or heading prefix, words accents and case aside
        (``selectors.tariff_lines_matching``; the rates' autocomplete uses it too)."""
        if not search_term.strip():
            return queryset, False
        return selectors.tariff_lines_matching(queryset, search_term), False

    @admin.display(description="Code", ordering="code")
    def dotted_code(self, obj):
        return obj.dotted_code


@admin.register(DutyRate)
class DutyRateAdmin(ReferenceAdmin):
    resource_classes = [resources.DutyRateResource]
    list_display = ("tariff_line", "rate", "law", "valid_from", "valid_to")
    list_filter = ("law",)
    search_fields = ("tariff_line__code", "tariff_line__description")
    autocomplete_fields = ("tariff_line", "law")
    list_select_related = ("tariff_line", "law")

    def get_search_results(self, request, queryset, search_term):
        """The rates of the lines the tariff search finds (code with or without dots, words)."""
        if not search_term.strip():
            return queryset, False
        lines = selectors.tariff_lines_matching(TariffLine.objects.all(), search_term)
        return queryset.filter(tariff_line__in=lines.values("pk")), False


@admin.register(BlanketDutyChange)
class BlanketDutyChangeAdmin(ReferenceAdmin):
    resource_classes = [resources.BlanketDutyChangeResource]
    list_display = ("__str__", "excluded_chapters", "exclude_lines_at_40_before_lfr_2020", "valid_from", "valid_to")


@admin.register(ExciseCategory)
class ExciseCategoryAdmin(ReferenceAdmin):
    resource_classes = [resources.ExciseCategoryResource]
    list_display = ("code", "table", "label", "tariff_prefixes", "product_kind", "unit_label", "band_attribute",
                    "introduced_by")
    list_filter = ("table",)
    search_fields = ("code", "label", "tariff_prefixes")


@admin.register(ExciseRate)
class ExciseRateAdmin(ReferenceAdmin):
    resource_classes = [resources.ExciseRateResource]
    list_display = (
        "category", "band_label", "specific_amount", "ad_valorem_rate", "minimum_amount", "sugar_threshold",
        "law", "valid_from", "valid_to",
    )
    list_filter = ("category__table", "law")
    search_fields = ("category__code", "category__label", "band_label")
    list_select_related = ("category", "law")


@admin.register(VatCategory)
class VatCategoryAdmin(ReferenceAdmin):
    resource_classes = [resources.VatCategoryResource]
    list_display = ("code", "label", "tariff_prefixes")
    search_fields = ("code", "label", "tariff_prefixes")


@admin.register(VatRate)
class VatRateAdmin(ReferenceAdmin):
    resource_classes = [resources.VatRateResource]
    list_display = ("category", "rate", "exempt", "law", "valid_from", "valid_to")
    list_filter = ("exempt", "law")
    list_select_related = ("category", "law")


class FranchiseRateInline(admin.TabularInline):
    model = FranchiseRate
    extra = 0


@admin.register(FranchiseCode)
class FranchiseCodeAdmin(ReferenceAdmin):
    resource_classes = [resources.FranchiseCodeResource]
    list_display = ("code", "label", "tax", "tariff_prefixes", "replaced_by")
    list_filter = ("tax",)
    search_fields = ("code", "label")
    inlines = [FranchiseRateInline]


@admin.register(FranchiseRate)
class FranchiseRateAdmin(ReferenceAdmin):
    resource_classes = [resources.FranchiseRateResource]
    list_display = ("franchise", "exempt", "rate", "law", "valid_from", "valid_to")
    list_select_related = ("franchise", "law")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReferenceAdmin):
    resource_classes = [resources.ExchangeRateResource]
    list_display = ("currency", "rate", "valid_from", "valid_to", "source")
    list_filter = ("currency",)


# --- Exemptions followed over time (issue 9) -----------------------------------------------------


@admin.register(Quota)
class QuotaAdmin(ReferenceAdmin):
    """Quota volumes; the consumption is written only by liquidations (read-only here)."""

    resource_classes = [resources.QuotaResource]
    list_display = ("franchise", "period_label", "volume_kg", "used_kg", "balance", "law", "valid_from", "valid_to")
    list_filter = ("franchise",)
    list_select_related = ("franchise", "law")
    readonly_fields = ("used_kg",)

    @admin.display(description="Solde (kg)")
    def balance(self, obj):
        return obj.balance_kg

    @admin.display(description="Période")
    def period_label(self, obj):
        return obj.period_label


@admin.register(SchoolSupplyItem)
class SchoolSupplyItemAdmin(ReferenceAdmin):
    resource_classes = [resources.SchoolSupplyItemResource]
    list_display = ("number", "label", "valid_from", "valid_to", "law")
    search_fields = ("label",)
    list_select_related = ("law",)


@admin.register(WarehouseDisposalReason)
class WarehouseDisposalReasonAdmin(ReferenceAdmin):
    resource_classes = [resources.WarehouseDisposalReasonResource]
    list_display = ("code", "label", "provisional", "note")
    list_filter = ("provisional",)


# --- Reference imports run as jobs (issue 18) -----------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


IMPORT_MAX_BYTES = 50 * 1024 * 1024


class ReferenceImportForm(forms.Form):
    table = forms.ChoiceField(label=_("Table"), required=False,
                              help_text=_("Sans choix, le nom de chaque fichier dit sa table (duty_rates.csv)."))
    files = MultipleFileField(label=_("Fichiers CSV ou XLSX"),
                              help_text=_("CSV (virgule ou point-virgule, UTF-8 ou Windows-1252) ou XLSX ; "
                                          "plusieurs fichiers sont appliqués dans l'ordre des tables."))

    def __init__(self, *args, tables=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["table"].choices = [("", _("d'après le nom du fichier"))] + [(t.name, t.label) for t in tables]

    def clean_files(self):
        files = self.cleaned_data["files"]
        for upload in files:
            if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
                raise forms.ValidationError(_("« %(name)s » : fichier CSV ou XLSX attendu.") % {"name": upload.name})
            if upload.size > IMPORT_MAX_BYTES:
                raise forms.ValidationError(_("« %(name)s » dépasse 50 Mo.") % {"name": upload.name})
        return files


def _may_import(user, table) -> bool:
    opts = table.model._meta
    return user.has_perm(f"{opts.app_label}.add_{opts.model_name}") and \
        user.has_perm(f"{opts.app_label}.change_{opts.model_name}")


@admin.register(ReferenceImport)
class ReferenceImportAdmin(admin.ModelAdmin):
    """Upload → preview job (Celery) → job page with progress and preview → confirm job.
    Nothing is imported inside the web request (eager Celery in the embedded mode aside)."""

    list_display = ("__str__", "status", "progress_percent", "created_by", "created_at", "finished_at")
    list_filter = ("status",)
    upload_template = "admin/tariff/referenceimport/upload.html"
    job_template = "admin/tariff/referenceimport/job.html"

    def importable_tables(self, request):

        return [t for t in reference_tables().values() if _may_import(request.user, t)]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and bool(self.importable_tables(request))

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("Avancement"))
    def progress_percent(self, obj):
        return f"{obj.progress} %"

    def get_urls(self):

        wrap = self.admin_site.admin_view
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<int:pk>/progress/", wrap(self.progress_view), name="%s_%s_progress" % info),
            path("<int:pk>/confirm/", wrap(self.confirm_view), name="%s_%s_confirm" % info),
        ] + super().get_urls()

    def _job_or_404(self, request, pk):

        job = ReferenceImport.objects.filter(pk=pk).prefetch_related("files").first()
        if job is None or not self.has_view_permission(request, job):
            raise Http404
        return job

    def add_view(self, request, form_url="", extra_context=None):


        if not self.has_add_permission(request):
            raise PermissionDenied
        tables = self.importable_tables(request)
        form = ReferenceImportForm(request.POST or None, request.FILES or None, tables=tables,
                                   initial={"table": request.GET.get("table", "")})
        if request.method == "POST" and form.is_valid():
            chosen = form.cleaned_data["table"] or None
            allowed = {t.name for t in tables}
            files = form.cleaned_data["files"]
            names = [chosen] if chosen else [getattr(table_for_file(f.name), "name", None) for f in files]
            if any(name and name not in allowed for name in names):
                raise PermissionDenied
            try:
                job = reference_import_create(files=[(f.name, upload_bytes(f)) for f in files], table=chosen,
                                              user=request.user)
            except ReferenceImportRefused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                transaction.on_commit(lambda: reference_import_preview_task.delay(job.pk))
                return redirect(reverse("admin:tariff_referenceimport_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "form": form,
            "title": _("Importer des données de référence"), "tables": reference_tables().values(),
            "has_view_permission": True,
        }
        return TemplateResponse(request, self.upload_template, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):



        job = self._job_or_404(request, object_id)
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "job": job, "original": job,
            "title": str(job), "progress": reference_import_progress(job), "files": job.result.get("files", []),
            "applied": job.result.get("applied", []), "has_view_permission": True,
            "may_confirm": job.can_confirm and all(_may_import(request.user, t) for t in self._job_tables(job)),
        }
        return TemplateResponse(request, self.job_template, context)

    @staticmethod
    def _job_tables(job):

        tables = reference_tables()
        return [tables[f.table] for f in job.files.all() if f.table in tables]

    def progress_view(self, request, pk):


        return JsonResponse(reference_import_progress(self._job_or_404(request, pk)))

    def confirm_view(self, request, pk):


        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = self._job_or_404(request, pk)
        if not all(_may_import(request.user, t) for t in self._job_tables(job)):
            raise PermissionDenied
        try:
            reference_import_request_confirm(job=job, user=request.user)
        except ReferenceImportRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            transaction.on_commit(lambda: reference_import_confirm_task.delay(job.pk))
        return redirect(reverse("admin:tariff_referenceimport_change", args=[job.pk]))
