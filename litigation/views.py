"""Pages for office staff: the case list and a case with its computed exposure.

Mounted by ``litigation.urls`` (to be included at ``/litigation/`` in config/urls.py)."""
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.views.generic import DetailView, ListView

from tariff.roles import AUDITOR, BROKER_STAFF, user_has_role

from . import selectors, services
from .models import Case


class LitigationPageMixin(LoginRequiredMixin, UserPassesTestMixin):
    raise_exception = False

    def test_func(self):
        return user_has_role(self.request.user, BROKER_STAFF, AUDITOR)

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            self.raise_exception = True
        return super().handle_no_permission()


class CaseListView(LitigationPageMixin, ListView):
    template_name = "litigation/case_list.html"
    context_object_name = "cases"
    paginate_by = 50

    def get_queryset(self):
        qs = selectors.case_list()
        status = self.request.GET.get("status")
        return qs.filter(status=status) if status else qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        catalogue = selectors.offence_catalogue()
        context["rows"] = [(case, services.case_exposure(case, catalogue=catalogue)) for case in context["cases"]]
        context["statuses"] = Case.Status.choices
        context["current_status"] = self.request.GET.get("status", "")
        return context


class CaseDetailView(LitigationPageMixin, DetailView):
    template_name = "litigation/case_detail.html"
    context_object_name = "case"

    def get_queryset(self):
        return selectors.case_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["exposure"] = services.case_exposure(self.object)
        return context
