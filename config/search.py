"""The header's global search (issue 21): one box, one page of answers — declarations (reference,
operator name or ICE), commitments (number, importer name or ICE), operators, tariff lines (code),
litigation cases (reference). Each section only for the roles that read it; a bank user sees the
commitments domiciled with its bank."""
from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from declarations.models import Declaration, Party
from declarations.parties import party_matches
from exchange.selectors import commitment_list_for
from litigation.models import Case
from tariff.kit.pages import RolePageMixin
from tariff.kit.roles import AUDITOR, BANK_USER, BROKER_STAFF, REFERENCE_EDITOR, user_has_role
from tariff.models import TariffLine

LIMIT = 20


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


class GlobalSearchView(RolePageMixin, TemplateView):
    template_name = "search.html"
    read_roles = (BROKER_STAFF, AUDITOR, REFERENCE_EDITOR, BANK_USER)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:60]
        context["q"] = query
        context["sections"] = self.sections(query) if len(query) >= 2 else []
        return context

    def sections(self, q: str) -> list[dict]:
        user, digits = self.request.user, _digits(q)
        files = user_has_role(user, BROKER_STAFF, AUDITOR)
        sections = []
        if files:
            declarations = Declaration.objects.select_related("party", "procedure").filter(
                Q(reference__icontains=q) | party_matches(q, "party__")
            ).order_by("-created_at")[:LIMIT]
            sections.append({"title": _("Déclarations"), "kind": "declaration", "items": list(declarations)})
            parties = Party.objects.filter(party_matches(q)).order_by("name")[:LIMIT]
            sections.append({"title": _("Opérateurs"), "kind": "party", "items": list(parties)})
        commitments = commitment_list_for(user=user).filter(
            Q(number__icontains=q) | party_matches(q, "importer__party__")
        ).order_by("-subscribed_on")[:LIMIT]
        sections.append({"title": _("Engagements d'importation"), "kind": "commitment", "items": list(commitments)})
        if user_has_role(user, BROKER_STAFF, AUDITOR, REFERENCE_EDITOR) and len(digits) >= 4:
            lines = TariffLine.objects.filter(code__startswith=digits[:10]).order_by("code")[:LIMIT]
            sections.append({"title": _("Lignes tarifaires"), "kind": "line", "items": list(lines)})
        if files:
            cases = Case.objects.filter(Q(reference__icontains=q) | Q(declaration_reference__icontains=q)
                                        | Q(declaration__reference__icontains=q)
                                        ).order_by("-facts_date")[:LIMIT]
            sections.append({"title": _("Dossiers contentieux"), "kind": "case", "items": list(cases)})
        return sections
