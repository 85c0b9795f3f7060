"""The demo office (issue 18): a small brokerage office to explore on day one.

It lives at the project level, like the dashboard, because it sits above the apps: it writes
declarations, commitments, litigation cases and a draft finance law, each through its app's
services (``declarations.services``, ``exchange.services``, ``litigation.services``,
``tariff.services``) so every amount is the one the rules compute — nothing is inserted by
hand. Only the records no service creates (operators, importers, banks, users, tokens) are
plain ``full_clean()`` + ``save()``.

Idempotent: every record has a fixed natural key (``DEMO-…`` references, usernames, ICE,
bank codes); what exists already is left alone, so a second run changes nothing. Each
declaration, commitment and case is built in its own transaction: all its steps or none.

Dates are relative to today: registrations spread over the last six months. The services
stamp liquidations with the time they ran (``created_at``, auto_now_add) and the dashboard
chart groups them by that month, so once a liquidation is computed its ``created_at`` (and
the declaration's) is moved back to its historical date with a queryset ``update()`` —
dates only, the amounts stay the services' own.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from declarations import services as declaration_services
from declarations.models import AnnexedDocument, Declaration, EtppAuthorisation, Liquidation, Party, ProcedureCode
from exchange import services as exchange_services
from exchange.models import Bank, BankUser, Commitment, Importer, Payment
from litigation import services as litigation_services
from litigation.models import Case, CaseParty
from tariff.demo import DEMO_USERS, DemoUser
from tariff.kit.roles import sync_roles
from tariff.models import FinanceLaw, TariffLine
from tariff.services import finance_law_draft_create

D = Decimal
OFFICE = "309 Casablanca-Port"

# --- reference records (no service creates them) --------------------------------------------------

BANKS = (("atlas", "Banque Atlas (démonstration)"), ("sahel", "Banque du Sahel (démonstration)"))

# (key, name, ICE, trade register, address)
OPERATORS = (
    ("atlas-distribution", "Atlas Distribution SARL", "001527384000012", "RC Casablanca 412587",
     "Zone industrielle Aïn Sebaâ, Casablanca"),
    ("maghreb-telecom", "Maghreb Télécom Import SA", "002384615000047", "RC Casablanca 398211",
     "Boulevard d'Anfa, Casablanca"),
    ("textiles-souss", "Textiles du Souss SARL", "001946273000085", "RC Agadir 55873", "Parc Haliopolis, Agadir"),
    ("pharma-rif", "Pharma Rif SA", "003158462000033", "RC Tanger 102456", "Zone franche Tanger Automotive City"),
    ("acier-oriental", "Acier de l'Oriental SARL", "002759310000061", "RC Oujda 34127", "Quartier industriel, Oujda"),
)


@dataclass
class DemoReport:
    """What the run created (counts by kind) and what the newcomer needs to log in."""

    created: dict[str, int] = field(default_factory=dict)
    logins: list[DemoUser] = field(default_factory=list)
    tokens: list[tuple[str, str, str]] = field(default_factory=list)  # (bank name, username, token)
    bank_names: dict[str, str] = field(default_factory=dict)  # by bank code

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


def months_ago(today: dt.date, months: int, day: int = 10) -> dt.date:
    """``day`` of the month ``months`` before ``today``'s (never after today)."""
    month_index = today.year * 12 + today.month - 1 - months
    date = dt.date(month_index // 12, month_index % 12 + 1, min(day, 28))
    return min(date, today)


def _at(date: dt.date, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock on ``date``, local time, never later than now."""
    return min(timezone.make_aware(dt.datetime.combine(date, dt.time(hour))), timezone.now())


# --- users, banks, operators ----------------------------------------------------------------------

def _user(spec: DemoUser, report: DemoReport):
    user, created = get_user_model().objects.get_or_create(username=spec.username)
    changed = created
    for name, value in (("first_name", spec.first_name), ("last_name", spec.last_name),
                        ("is_staff", spec.is_staff), ("is_active", True)):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed = True
    if not user.check_password(spec.password):  # set once: a second run keeps the same hash
        user.set_password(spec.password)
        changed = True
    if changed:
        user.save()
    user.groups.add(*Group.objects.filter(name__in=spec.roles))
    if created:
        report.count("utilisateurs")
    return user


def _banks(report: DemoReport) -> dict[str, Bank]:
    banks = {}
    for code, name in BANKS:
        bank = Bank.objects.filter(code=code).first()
        if bank is None:
            bank = Bank(code=code, name=name)
            bank.full_clean()
            bank.save()
            report.count("banques")
        banks[code] = bank
        report.bank_names[code] = bank.name
    return banks


def _operators(report: DemoReport) -> tuple[dict[str, Party], dict[str, Importer]]:
    parties, importers = {}, {}
    for key, name, ice, rc, address in OPERATORS:
        party = Party.objects.filter(ice=ice).first()
        if party is None:
            party = Party(name=name, ice=ice, trade_register_number=rc, address=address)
            party.full_clean()
            party.save()
            report.count("opérateurs")
        parties[key] = party
        importer = Importer.objects.filter(party=party).first()
        if importer is None:  # the same company's Office des Changes profile, for its commitments
            importer = Importer(party=party)
            importer.full_clean()
            importer.save()
            report.count("importateurs")
        importers[key] = importer
    return parties, importers


def _users(report: DemoReport, banks: dict[str, Bank]) -> dict[str, object]:
    users = {}
    for spec in DEMO_USERS:
        user = _user(spec, report)
        if spec.bank_code and not BankUser.objects.filter(user=user).exists():
            link = BankUser(user=user, bank=banks[spec.bank_code])
            link.full_clean()
            link.save()
        if spec.bank_code:
            token, _created = Token.objects.get_or_create(user=user)
            report.tokens.append((banks[spec.bank_code].name, user.username, token.key))
        users[spec.username] = user
        report.logins.append(spec)
    return users


# --- declarations -----------------------------------------------------------------------------------

def _article(code: str, value, quantity, description: str, origin: str = "FR", unit: str = "kg", **extra) -> dict:
    mass = extra.pop("net_mass_kg", quantity)
    return {"tariff_code": code, "origin_country": origin, "description": description, "invoiced_value": D(value),
            "quantity": D(quantity), "unit": unit, "net_mass_kg": D(mass), **extra}


@dataclass(frozen=True)
class DemoDeclaration:
    reference: str
    party: str
    status: str  # the status it ends in
    months_back: int  # registration month, counted back from today's
    currency: str
    articles: tuple[dict, ...]
    freight: str = "0"
    insurance: str = "0"
    procedure: str = "010"
    etpp: str = ""  # number of the ETPP authorisation it uses


S = Declaration.Status
DECLARATIONS = (
    DemoDeclaration("DEMO-DUM-2601", "atlas-distribution", S.CLEARED, 5, "EUR", (
        _article("2309.10.00.00", "9000", "6000", "Croquettes pour chiens, sacs de 15 kg"),
        _article("2309.10.00.00", "3000", "1500", "Pâtée pour chats, boîtes de 400 g"),
    ), freight="850", insurance="60"),
    DemoDeclaration("DEMO-DUM-2602", "atlas-distribution", S.CLEARED, 4, "MAD", (
        _article("0902.10.00.00", "180000", "4000", "Thé vert de Chine, boîtes de 500 g", origin="CN"),
    ), freight="12500", insurance="900"),
    DemoDeclaration("DEMO-DUM-2603", "maghreb-telecom", S.PAID, 3, "EUR", (
        _article("8517.13.00.00", "24000", "120", "Téléphones intelligents 128 Go", origin="CN", unit="u",
                 net_mass_kg="30"),
        _article("8517.18.00.00", "1500", "60", "Téléphones fixes sans fil", origin="CN", unit="u", net_mass_kg="45"),
    ), freight="1200", insurance="180"),
    DemoDeclaration("DEMO-DUM-2604", "atlas-distribution", S.PAID, 2, "EUR", (
        _article("8516.31.00.00", "6500", "500", "Sèche-cheveux 2000 W", origin="TR", unit="u", net_mass_kg="400"),
        _article("8509.40.00.10", "3000", "150", "Robots de cuisine", origin="TR", unit="u", net_mass_kg="600"),
    ), freight="700", insurance="45"),
    DemoDeclaration("DEMO-DUM-2605", "acier-oriental", S.LIQUIDATED, 1, "MAD", (
        _article("7208.51.00.00", "420000", "60000", "Tôles d'acier laminées à chaud, épaisseur > 10 mm", origin="ES"),
    ), freight="18000", insurance="2100"),
    DemoDeclaration("DEMO-DUM-2606", "pharma-rif", S.LIQUIDATED, 0, "EUR", (
        _article("3003.90.94.00", "28000", "800", "Médicaments antidiabétiques en vrac", origin="DE"),
        _article("1901.10.10.00", "4000", "1000", "Lait infantile premier âge", origin="FR"),
    ), freight="950", insurance="120"),
    DemoDeclaration("DEMO-DUM-2607", "maghreb-telecom", S.LIQUIDATED, 0, "EUR", (
        _article("8517.13.00.00", "16000", "80", "Téléphones intelligents 256 Go", origin="KR", unit="u",
                 net_mass_kg="20"),
    ), freight="600", insurance="90"),
    DemoDeclaration("DEMO-DUM-2608", "pharma-rif", S.REGISTERED, 0, "EUR", (
        _article("1901.10.10.00", "7500", "2000", "Lait infantile deuxième âge", origin="NL"),
    ), freight="400", insurance="35"),
    DemoDeclaration("DEMO-DUM-2609", "atlas-distribution", S.DRAFT, 0, "EUR", (
        _article("2309.10.00.00", "5400", "3000", "Croquettes pour chats, sacs de 4 kg"),
    ), freight="500", insurance="30"),
    DemoDeclaration("DEMO-DUM-2610", "acier-oriental", S.CANCELLED, 2, "MAD", (
        _article("7208.51.00.00", "95000", "14000", "Tôles d'acier (déclaration remplacée)", origin="ES"),
    ), freight="4000", insurance="500"),
    # ETPP 077: steel sheets exported for processing abroad, under an issued authorisation.
    DemoDeclaration("DEMO-DUM-2611", "textiles-souss", S.CLEARED, 3, "MAD", (
        _article("7208.51.00.00", "150000", "20000", "Tôles d'acier envoyées pour découpe et galvanisation",
                 origin="MA"),
    ), procedure="077", etpp="DEMO-ETPP-001"),
)


def _etpp_authorisations(report: DemoReport, parties: dict[str, Party], today: dt.date) -> None:
    """One authorisation issued (used by the 077 export), one request pending past its 60 days."""
    if not EtppAuthorisation.objects.filter(number="DEMO-ETPP-001").exists():
        requested = months_ago(today, 5, day=3)
        issued = requested + dt.timedelta(days=41)
        declaration_services.etpp_authorisation_create(
            number="DEMO-ETPP-001", department=EtppAuthorisation.Department.INDUSTRY_TRADE,
            exporter=parties["textiles-souss"], requested_on=requested,
            items=[{"tariff_code": "7208.51.00.00", "quantity": "50000", "unit": "kg",
                    "description": "Tôles d'acier à découper et galvaniser"}],
            issued_on=issued, valid_from=issued, valid_to=issued + dt.timedelta(days=365),
        )
        report.count("autorisations ETPP")
    if not EtppAuthorisation.objects.filter(number="DEMO-ETPP-002").exists():
        declaration_services.etpp_authorisation_create(
            number="DEMO-ETPP-002", department=EtppAuthorisation.Department.AGRICULTURE,
            exporter=parties["textiles-souss"], requested_on=today - dt.timedelta(days=75),
            items=[{"tariff_code": "2309.10.00.00", "quantity": "8000", "unit": "kg",
                    "description": "Aliments pour animaux à reconditionner"}],
        )
        report.count("autorisations ETPP")


def _move_back(declaration: Declaration, when: dt.datetime) -> None:
    # Dates only (auto_now_add fields the services cannot be given): see the module docstring.
    Liquidation.objects.filter(declaration=declaration).update(created_at=when)
    Declaration.objects.filter(pk=declaration.pk).update(created_at=when - dt.timedelta(days=1))


def _declaration(spec: DemoDeclaration, parties: dict[str, Party], user, today: dt.date) -> Declaration:
    documents = [{"kind": AnnexedDocument.Kind.INVOICE, "reference": f"FAC-{spec.reference[-4:]}"},
                 {"kind": AnnexedDocument.Kind.TRANSPORT, "reference": f"BL-{spec.reference[-4:]}"}]
    if spec.etpp:
        documents.append({"kind": AnnexedDocument.Kind.ETPP_AUTHORISATION, "reference": spec.etpp})
    declaration = declaration_services.declaration_create(
        reference=spec.reference, customs_office=OFFICE, procedure=ProcedureCode.objects.get(code=spec.procedure),
        party=parties[spec.party], declarant=user, invoice_currency=spec.currency,
        invoice_total=sum(a["invoiced_value"] for a in spec.articles), articles=list(spec.articles),
        freight_amount=D(spec.freight), freight_currency=spec.currency,
        insurance_amount=D(spec.insurance), insurance_currency=spec.currency,
        etpp_authorisation=EtppAuthorisation.objects.get(number=spec.etpp) if spec.etpp else None,
        documents=documents,
    )
    if spec.status == S.DRAFT:
        return declaration
    if spec.months_back == 0:  # yesterday, or today on the 1st: this month either way
        registered_on = max(today - dt.timedelta(days=1), today.replace(day=1))
    else:
        registered_on = months_ago(today, spec.months_back)
    declaration_services.declaration_register(declaration=declaration, user=user, on_date=registered_on)
    if spec.status == S.REGISTERED:
        Declaration.objects.filter(pk=declaration.pk).update(created_at=_at(registered_on, 9))
        return declaration
    if spec.status == S.CANCELLED:
        declaration_services.declaration_cancel(declaration=declaration)
        Declaration.objects.filter(pk=declaration.pk).update(created_at=_at(registered_on, 9))
        return declaration
    liquidation = declaration_services.declaration_liquidate(declaration=declaration, user=user)
    liquidated_on = min(registered_on + dt.timedelta(days=1), today)
    if spec.months_back:  # this month's liquidations keep the time they were computed
        _move_back(declaration, _at(liquidated_on))
    if spec.status == S.LIQUIDATED:
        return declaration
    released_on = min(liquidated_on + dt.timedelta(days=4), today)
    if liquidation.total > 0:
        paid_on = min(liquidated_on + dt.timedelta(days=2), today)
        declaration_services.declaration_record_payment(
            declaration=declaration, paid_on=paid_on, amount=liquidation.total, means="e_payment",
            reference=f"QUIT-{spec.reference[-4:]}", user=user, today=today)
    if spec.status == S.CLEARED:
        declaration_services.declaration_record_release(
            declaration=declaration, released_on=released_on, reference=f"BAE-{spec.reference[-4:]}", user=user,
            today=today)
    return declaration


def _declarations(report: DemoReport, parties: dict[str, Party], user, today: dt.date) -> None:
    for spec in DECLARATIONS:
        if Declaration.objects.filter(reference=spec.reference).exists():
            continue
        with transaction.atomic():
            _declaration(spec, parties, user, today)
        report.count("déclarations")


# --- import commitments ------------------------------------------------------------------------------

def _commitments(report: DemoReport, importers: dict[str, Importer], banks: dict[str, Bank], users: dict,
                 today: dt.date) -> None:
    staff, atlas, sahel = users["demo"], users["banque-atlas"], users["banque-sahel"]
    bank_user = {"atlas": atlas, "sahel": sahel}
    P = Payment.Kind

    def build(number, importer, bank, amount, goods, *, currency="MAD", months_back=3, steps=()):
        if Commitment.objects.filter(number=number).exists():
            return
        with transaction.atomic():
            subscribed_on = months_ago(today, months_back, day=5)
            commitment = exchange_services.commitment_create(
                user=staff, number=number, importer=importers[importer], bank=banks[bank], currency=currency,
                subscribed_amount=D(amount), goods_description=goods, subscribed_on=subscribed_on,
                contract_reference=f"CTR-{number[-3:]}", contract_advance_rate=D("30"))
            for step in steps:
                step(commitment, bank_user[bank], subscribed_on)
        report.count("engagements")

    def domicile(commitment, user, on):
        exchange_services.commitment_domiciliate(commitment=commitment, user=user, contract_concordance_confirmed=True)
        # the service stamps the domiciliation now; the demo's commitments were domiciled the day
        # after their subscription, before their first payment (the ledger's dates are in the past)
        Commitment.objects.filter(pk=commitment.pk).update(domiciliation_confirmed_at=_at(on + dt.timedelta(days=1)))

    def impute(amount, days, reference=""):
        def step(commitment, _user, on):
            exchange_services.commitment_record_imputation(
                commitment=commitment, user=staff, amount=D(amount), currency=commitment.currency,
                on_date=min(on + dt.timedelta(days=days), today), declaration_reference=reference)
        return step

    def pay(kind, amount, days):
        def step(commitment, user, on):
            exchange_services.commitment_pay(commitment=commitment, user=user, kind=kind, amount=D(amount),
                                             on_date=min(on + dt.timedelta(days=days), today))
        return step

    def bank_change(to_bank):
        def step(commitment, user, _on):
            change = exchange_services.commitment_request_bank_change(
                commitment=commitment, to_bank=banks[to_bank], user=staff,
                reason="Regroupement des opérations de l'importateur chez sa nouvelle banque")
            # The first bank has recorded its settlements: the new bank may now accept or reject.
            exchange_services.bank_change_record_settlements(bank_change=change, user=user)
        return step

    build("EI-DEMO-001", "pharma-rif", "atlas", "600000", "Matières premières pharmaceutiques", months_back=0)
    build("EI-DEMO-002", "atlas-distribution", "atlas", "800000", "Aliments pour animaux de compagnie",
          months_back=1, steps=[domicile])
    build("EI-DEMO-003", "acier-oriental", "sahel", "1200000", "Tôles d'acier laminées à chaud", months_back=2,
          steps=[domicile, pay(P.ADVANCE, "200000", 3), impute("450000", 20, "DEMO-DUM-2605")])
    build("EI-DEMO-004", "maghreb-telecom", "atlas", "45000", "Téléphones intelligents", currency="EUR",
          months_back=4, steps=[domicile, impute("45000", 15, "DEMO-DUM-2603"), pay(P.SETTLEMENT, "45000", 25)])
    build("EI-DEMO-005", "textiles-souss", "sahel", "1000000", "Machines à coudre industrielles", months_back=1,
          steps=[domicile, pay(P.ADVANCE, "285000", 4)])  # 285,000 of the 300,000 (30 %) allowed: 95 %
    build("EI-DEMO-006", "atlas-distribution", "atlas", "350000", "Petit électroménager", months_back=2,
          steps=[domicile, pay(P.ADVANCE, "60000", 6), bank_change("sahel")])


# --- litigation ----------------------------------------------------------------------------------

def _cases(report: DemoReport, parties: dict[str, Party], today: dt.date) -> None:
    def offender(key):
        party = parties[key]
        return {"name": party.name, "identifier": party.ice, "role": CaseParty.Role.OFFENDER}

    def build(reference, **fields):
        if Case.objects.filter(reference=reference).exists():
            return None
        then = fields.pop("then", ())
        with transaction.atomic():
            case = litigation_services.case_create(reference=reference, office=OFFICE, **fields)
            for step in then:
                case = step(case) or case
        report.count("dossiers contentieux")
        return case

    def review(case):
        return litigation_services.case_transition(case=case, to_status=Case.Status.UNDER_REVIEW)

    def settle(case):
        # CDII art. 297-8° (LF 2024): fine of 10,000 to 50,000 DH; 20,000 retained, 5,000 of it remitted.
        litigation_services.settlement_record(
            case=case, settlement_date=min(case.facts_date + dt.timedelta(days=30), today),
            fine_retained=D("20000"), fines_remitted=D("5000"), reference="TR-DEMO-001",
            notes="Transaction : documents annexés après constatation, bonne foi de l'importateur.")

    declaration = Declaration.objects.filter(reference="DEMO-DUM-2604").first()
    build("CTX-DEMO-001", facts_date=months_ago(today, 1, day=18), declaration_reference="DEMO-DUM-2607",
          description="Téléphones découverts dans un conteneur déclaré comme accessoires.",
          goods_customs_value=D("95000"), duties_compromised=D("38000"), seized_goods_customs_value=D("95000"),
          duties_on_seized_goods=D("38000"), parties=[offender("maghreb-telecom")],
          offences=[{"article": "281", "paragraph": "1°"}])
    build("CTX-DEMO-002", facts_date=months_ago(today, 2, day=20), declaration=declaration,
          description="Enlèvement d'une partie des marchandises avant la mainlevée.",
          goods_customs_value=D("42000"), duties_compromised=D("15000"), parties=[offender("atlas-distribution")],
          offences=[{"article": "285", "paragraph": "4°"}], then=[review])
    build("CTX-DEMO-003", facts_date=months_ago(today, 3, day=12), declaration_reference="DEMO-DUM-2603",
          description="Certificat d'origine exigé non annexé à la déclaration.",
          parties=[offender("maghreb-telecom")], offences=[{"article": "297", "paragraph": "8°"}],
          then=[review, settle])


# --- the draft finance law ----------------------------------------------------------------------------

DRAFT_LAW_CODE = "PLFR-DEMO"


def _draft_law(report: DemoReport, today: dt.date) -> None:
    """A draft rectifying law lowering DI on lines the demo declarations use, from six months
    back: the what-if page (Recalculs) shows which liquidated declarations it would change."""
    if FinanceLaw.objects.filter(code=DRAFT_LAW_CODE).exists():
        return
    since = months_ago(today, 6, day=1)
    finance_law_draft_create(
        code=DRAFT_LAW_CODE, number="DEMO", title="Projet de loi de finances rectificative (démonstration)",
        kind=FinanceLaw.Kind.RECTIFYING, effective_date=since, budget_year=today.year,
        changes=[
            {"tariff_code": "7208.51.00.00", "rate": "10", "note": "Tôles d'acier : 17,5 % → 10 %"},
            {"tariff_code": "8517.13.00.00", "rate": "10", "note": "Téléphones intelligents : 17,5 % → 10 %"},
            {"tariff_code": "2309.10.00.00", "rate": "10", "note": "Aliments pour chiens ou chats : 17,5 % → 10 %"},
        ])
    report.count("projets de loi de finances")


# --- entry point -----------------------------------------------------------------------------------

class MissingReferenceData(Exception):
    pass


def load_demo_office(*, today: dt.date | None = None) -> DemoReport:
    """Create what is missing of the demo office; returns the counts created and the logins."""
    today = today or timezone.localdate()
    if not TariffLine.objects.exists():
        raise MissingReferenceData("Les données de référence ne sont pas chargées : lancez d'abord "
                                   "« manage.py load_reference_data ».")
    sync_roles()
    report = DemoReport()
    with transaction.atomic():
        banks = _banks(report)
        parties, importers = _operators(report)
        users = _users(report, banks)
    _etpp_authorisations(report, parties, today)
    _declarations(report, parties, users["declarant"], today)
    _commitments(report, importers, banks, users, today)
    _cases(report, parties, today)
    _draft_law(report, today)
    return report
