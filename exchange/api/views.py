"""Partner-bank REST API for import commitments (``/api/v1/commitments/…``).

Thin views: validate the input, call one service, serialize the result. Visibility is
the queryset (``selectors.commitment_list_for``): a bank user only ever finds its own
bank's commitments, anything else is a 404. A refused rule is a 400 carrying the rule's
``code`` (tariff.kit.api.errors), and the service has written nothing.
"""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from declarations.parties import PartyIdentifierConflict
from tariff.kit.permissions import BrokerWorkPermission
from tariff.services import CurrencyConversionError

from .. import rules, selectors, services
from ..models import Commitment, Importer, Modification, PersonalImport
from . import serializers as s
from .authentication import BankTokenAuthentication
from .filters import CommitmentFilter, PersonalImportFilter
from .permissions import CanReadCommitments, IsBankUser, IsBrokerStaff

# Token first: an anonymous call gets 401 with ``WWW-Authenticate: Token``.
AUTHENTICATION = [BankTokenAuthentication, SessionAuthentication]

# 4xx bodies: the ``Error`` component (config.openapi.document_errors), here only their descriptions.
NOT_FOUND = OpenApiResponse(description="Engagement inconnu ou domicilié auprès d'une autre banque.")


def refusals(*errors) -> OpenApiResponse:
    return OpenApiResponse(description=rules.describe_errors(*errors))


BIGINT_MAX = 2**63 - 1


def _commitment_id(pk) -> int:
    """The id of the URL (any string the router let through): not a number is a 404."""
    pk = str(pk)
    if not (pk.isascii() and pk.isdigit()) or int(pk) > BIGINT_MAX:
        raise NotFound()
    return int(pk)


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


PAYMENT_ERRORS = (
    rules.InvalidAmount, rules.NotCommitmentBank, rules.NotDomiciled, rules.CommitmentClosed, rules.BankChangePending,
    rules.ReasonOnlyForOverrun, rules.IdempotencyKeyConflict, rules.AdvanceNotInContract,
    rules.AdvanceBalanceBeforeEntry, rules.AdvanceOverLimit, rules.AdvanceOverContractRate, rules.FxAccountNotAllowed,
    rules.FxBalanceInsufficient, rules.AnticipatedOverLimit, rules.SettlementBeforeImputation,
    rules.SettlementOverImputed, rules.SettlementOverSubscribedNotImputed, rules.AdvanceOvershootNeedsAuthorisation,
    rules.OverrunReasonNotAllowed, rules.OverrunReasonNotForGoods, rules.OverrunRiskNotOnImporter,
    rules.ObservedDifferenceRequired,
    rules.OverrunOverLimit, CurrencyConversionError,
)
PAYMENT_DESCRIPTION = """Règlement par la banque domiciliataire (banque seulement).

`kind` : `advance` (acompte), `anticipated` (règlement par anticipation, avant l'entrée), `settlement`
(règlement après imputation), `overrun` (dépassement, avec `reason`). `funding=fx_account` : débit du
compte en devises / dirhams convertibles de l'exportateur. Les montants dans une autre devise sont
convertis aux cours de change douaniers du jour du règlement.

Limites (FAQ de l'Office des Changes) : acomptes ≤ 30 % de la valeur totale (50 % aéronautique) ou, par
compte en devises, le taux du contrat ; anticipation ≤ 200 000 MAD (1 000 000 MAD aéronautique ; 100 %
opérateur catégorisé, compte en devises si le contrat le prévoit, matériel d'occasion aux enchères) ;
règlement après imputation, dans la limite de l'imputé + fret, frais accessoires et assurance à
l'étranger ; dépassements pour les seuls motifs admis (céréales ≤ 1 % de l'imputé).

Deux règlements simultanés sur un même engagement sont sérialisés (verrou de ligne) : ensemble, ils ne
dépassent jamais une limite. `idempotency_key` (ou l'en-tête `Idempotency-Key`) : la même clé renvoie le
premier règlement (200) au lieu de payer deux fois (201).
"""


@extend_schema_view(
    list=extend_schema(
        summary="Engagements visibles",
        description="Une banque ne voit que les engagements domiciliés chez elle ; le transitaire et l'audit "
        "voient tout. Filtres : statut, importateur, dates de souscription et de domiciliation.",
    ),
    retrieve=extend_schema(
        summary="Détail d'un engagement, avec ses totaux",
        responses={200: s.CommitmentDetailSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Souscrire un engagement (transitaire)",
        request=s.CommitmentCreateSerializer,
        description="`contract_advance_rate` est obligatoire (0 si le contrat ne prévoit pas d'acompte) ; au-delà du "
        "taux réglementaire (30 %, 50 % aéronautique, sauf exportateur réglant par son compte en devises), "
        "l'engagement est refusé dès la souscription.",
        responses={
            201: s.CommitmentDetailSerializer,
            400: refusals(rules.InvalidAmount, rules.ReplacementInvalid, rules.ContractAdvanceRateOverLimit),
        },
    ),
)
@extend_schema(tags=["engagements d'importation"])
class CommitmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    authentication_classes = AUTHENTICATION
    filterset_class = CommitmentFilter
    serializer_class = s.CommitmentListSerializer

    # (action, HTTP method) → who may call it; anything not listed is a read.
    staff_writes = {("create", "POST"), ("imputations", "POST"), ("modifications", "POST"), ("bank_changes", "POST")}
    bank_writes = {
        ("domiciliation", "POST"), ("payments", "POST"), ("carry_over", "POST"), ("oc_authorisation", "POST"),
        ("modification_validate", "POST"), ("modification_reject", "POST"),
    }

    def get_queryset(self):
        queryset = selectors.commitment_list_for(user=self.request.user)
        if self.action == "retrieve":
            return queryset.select_related("replaces", "domiciliation_confirmed_by")
        if self.action != "list" and self.request.method == "POST":
            return queryset.select_related(None)  # the service reloads (and locks) what it needs
        return queryset

    def get_permissions(self):
        key = (self.action, self.request.method)
        if key in self.staff_writes:
            return [IsBrokerStaff()]
        if key in self.bank_writes:
            return [IsBankUser()]
        return [CanReadCommitments()]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.CommitmentDetailSerializer
        if self.action == "create":
            return s.CommitmentCreateSerializer
        return s.CommitmentListSerializer

    def _detail(self, commitment: Commitment, code=status.HTTP_200_OK) -> Response:
        return Response(s.CommitmentDetailSerializer(commitment).data, status=code)

    def list(self, request, *args, **kwargs):
        # Hot path of the bank API: rows as dicts (no model instances), same shape as
        # CommitmentListSerializer (asserted in the tests). A bank's list without a filter
        # parameter is read by two hand-written statements (count, page); with one, by the
        # django-filter queryset.
        bank = selectors.bank_for_user(request.user)
        if bank is not None and not set(request.query_params) - {"page"}:
            rows = selectors.BankCommitmentRows(bank.pk)
        else:
            rows = self.filter_queryset(self.get_queryset()).values(*selectors.COMMITMENT_LIST_COLUMNS)
        page = self.paginate_queryset(rows)
        tz = timezone.get_current_timezone()
        return self.get_paginated_response([s.commitment_list_row(row, tz) for row in page])

    def create(self, request, *args, **kwargs):
        data = _validated(s.CommitmentCreateSerializer, request.data)
        commitment = services.commitment_create(user=request.user, **data)
        return self._detail(commitment, status.HTTP_201_CREATED)

    # --- bank actions ------------------------------------------------------------------------

    @extend_schema(
        summary="Domicilier l'engagement (banque)",
        description="La banque confirme la concordance du contrat commercial et de l'engagement et la "
        "conformité des modalités de règlement.",
        request=s.DomiciliationSerializer,
        responses={
            200: s.CommitmentDetailSerializer,
            400: refusals(
                rules.NotCommitmentBank, rules.AlreadyDomiciled, rules.ConcordanceNotConfirmed,
                rules.ContractAdvanceRateOverLimit,
            ),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def domiciliation(self, request, pk=None):
        commitment = self.get_object()
        data = _validated(s.DomiciliationSerializer, request.data)
        commitment = services.commitment_domiciliate(
            commitment=commitment,
            user=request.user,
            contract_concordance_confirmed=data["contract_concordance_confirmed"],
            contract_reference=data.get("contract_reference") or None,
        )
        return self._detail(commitment)

    @extend_schema(
        methods=["GET"],
        summary="Règlements de l'engagement",
        responses={200: s.PaymentSerializer(many=True), 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Régler (banque)",
        description=PAYMENT_DESCRIPTION,
        request=s.PaymentInputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)],
        responses={
            201: s.PaymentSerializer,
            200: OpenApiResponse(s.PaymentSerializer, description="règlement déjà enregistré sous cette clé"),
            400: refusals(*PAYMENT_ERRORS),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def payments(self, request, pk=None):
        if request.method == "GET":
            commitment = self.get_object()
            page = self.paginate_queryset(selectors.payment_list(commitment=commitment))
            return self.get_paginated_response(s.PaymentSerializer(page, many=True).data)
        # Hot path of the bank API: no get_object() — the service locks the commitment by id and
        # refuses another bank's (NotCommitmentBank), which for a bank is a commitment it cannot see.
        data = _validated(s.PaymentInputSerializer, request.data)
        try:
            result = services.commitment_pay(
                commitment=_commitment_id(pk),
                user=request.user,
                kind=data["kind"],
                amount=data["amount"],
                currency=data.get("currency"),
                on_date=data.get("date") or timezone.localdate(),
                funding=data["funding"],
                reason=data["reason"],
                observed_difference=data.get("observed_difference"),
                importer_bears_risk=data["importer_bears_risk"],
                idempotency_key=data.get("idempotency_key") or request.headers.get("Idempotency-Key") or None,
            )
        except (Commitment.DoesNotExist, rules.NotCommitmentBank) as exc:
            raise NotFound() from exc
        return Response(
            s.payment_row(result.payment),
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Reporter les acomptes sur l'engagement de remplacement (banque)",
        description="Une seule fois ; l'engagement initial est ensuite clôturé.",
        request=s.CarryOverInputSerializer,
        responses={
            201: s.AdvanceCarryOverSerializer,
            400: refusals(
                rules.NotCommitmentBank, rules.NotDomiciled, rules.CommitmentClosed, rules.CarryOverAlreadyDone,
                rules.CarryOverNotReplacing, rules.CarryOverOtherBank, rules.CarryOverNothing,
                rules.AdvanceOverLimit, rules.AdvanceOverContractRate, rules.AdvanceNotInContract,
            ),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], url_path="carry-over", filter_backends=[])
    def carry_over(self, request, pk=None):
        source = self.get_object()
        data = _validated(s.CarryOverInputSerializer, request.data)
        target = get_object_or_404(self.get_queryset(), number=data["target"])
        carry = services.commitment_carry_over_advances(
            source=source, target=target, user=request.user, on_date=data.get("date")
        )
        return Response(s.AdvanceCarryOverSerializer(carry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Enregistrer l'autorisation particulière de l'Office des Changes (banque)",
        description="Exigée pour régler le reliquat quand les acomptes dépassent le taux de plus de 5 % de la "
        "facture définitive.",
        request=s.OcAuthorisationSerializer,
        responses={200: s.CommitmentDetailSerializer, 400: refusals(rules.NotCommitmentBank), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="oc-authorisation", filter_backends=[])
    def oc_authorisation(self, request, pk=None):
        commitment = self.get_object()
        data = _validated(s.OcAuthorisationSerializer, request.data)
        commitment = services.commitment_record_oc_authorisation(
            commitment=commitment, user=request.user, reference=data["reference"]
        )
        return self._detail(commitment)

    # --- broker actions ----------------------------------------------------------------------

    @extend_schema(
        methods=["GET"], summary="Imputations douanières", responses={200: s.ImputationSerializer(many=True)},
        parameters=[OpenApiParameter("declaration", str, description="référence de la DUM (exacte)")],
    )
    @extend_schema(
        methods=["POST"],
        summary="Enregistrer une imputation douanière (transitaire)",
        request=s.ImputationInputSerializer,
        responses={
            201: s.ImputationSerializer,
            400: refusals(
                rules.InvalidAmount, rules.NotDomiciled, rules.CommitmentClosed, rules.ImputationAfterFinal,
                CurrencyConversionError,
            ),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def imputations(self, request, pk=None):
        commitment = self.get_object()
        if request.method == "GET":
            imputations = selectors.imputation_list(commitment=commitment)
            if request.query_params.get("declaration"):  # after the running totals: kept over all imputations
                imputations = [i for i in imputations if i.dum_reference == request.query_params["declaration"]]
            page = self.paginate_queryset(imputations)
            return self.get_paginated_response(s.ImputationSerializer(page, many=True).data)
        data = _validated(s.ImputationInputSerializer, request.data)
        imputation = services.commitment_record_imputation(
            commitment=commitment,
            user=request.user,
            amount=data["amount"],
            currency=data.get("currency") or commitment.currency,
            on_date=data.get("date") or timezone.localdate(),
            declaration_reference=data["declaration_reference"],
            kind=data["kind"],
            declaration=data.get("declaration"),
        )
        return Response(s.ImputationSerializer(imputation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"], summary="Demandes de modification", responses={200: s.ModificationSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        summary="Demander une modification (transitaire, pour l'importateur)",
        description="Effective après validation par la banque domiciliataire.",
        request=s.ModificationInputSerializer,
        responses={
            201: s.ModificationSerializer,
            400: refusals(
                rules.CommitmentClosed, rules.ModificationInvalid, rules.ModificationEmpty,
                rules.ModificationAfterTotalImputation, rules.ModificationLowersSettledValue,
                rules.ContractAdvanceRateOverLimit,
            ),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def modifications(self, request, pk=None):
        commitment = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(commitment.modifications.select_related("commitment").all())
            return self.get_paginated_response(s.ModificationSerializer(page, many=True).data)
        data = _validated(s.ModificationInputSerializer, request.data)
        modification = services.commitment_modify(
            commitment=commitment, user=request.user, changes=dict(data["changes"]), reason=data["reason"]
        )
        return Response(s.ModificationSerializer(modification).data, status=status.HTTP_201_CREATED)

    def _modification(self, modification_id) -> Modification:
        commitment = self.get_object()
        return get_object_or_404(Modification, pk=modification_id, commitment=commitment)

    @extend_schema(
        summary="Valider une modification (banque)",
        request=None,
        responses={
            200: s.ModificationSerializer,
            400: refusals(
                rules.NotCommitmentBank, rules.ModificationNotPending, rules.ModificationAfterTotalImputation,
                rules.ModificationLowersSettledValue, rules.CommitmentClosed, rules.ContractAdvanceRateOverLimit,
            ),
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"modifications/(?P<modification_id>[0-9]+)/validate",
        filter_backends=[],
    )
    def modification_validate(self, request, pk=None, modification_id=None):
        modification = services.modification_validate(
            modification=self._modification(modification_id), user=request.user
        )
        return Response(s.ModificationSerializer(modification).data)

    @extend_schema(
        summary="Refuser une modification (banque)",
        request=s.DecisionSerializer,
        responses={200: s.ModificationSerializer, 400: refusals(rules.NotCommitmentBank, rules.ModificationNotPending)},
    )
    @action(
        detail=True, methods=["post"], url_path=r"modifications/(?P<modification_id>[0-9]+)/reject", filter_backends=[]
    )
    def modification_reject(self, request, pk=None, modification_id=None):
        data = _validated(s.DecisionSerializer, request.data)
        modification = services.modification_reject(
            modification=self._modification(modification_id), user=request.user, reason=data["reason"]
        )
        return Response(s.ModificationSerializer(modification).data)

    @extend_schema(
        methods=["GET"],
        summary="Changements de banque de l'engagement",
        responses={200: s.BankChangeSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Demander un changement de banque domiciliataire (transitaire)",
        description="Possible si le règlement intervient hors crédit documentaire ou autre engagement de la "
        "banque initiale. La banque initiale renseigne ses règlements, puis la nouvelle banque accepte "
        "(`/bank-changes/<id>/…`).",
        request=s.BankChangeRequestSerializer,
        responses={
            201: s.BankChangeSerializer,
            400: refusals(
                rules.NotDomiciled, rules.CommitmentClosed, rules.BankChangeSameBank, rules.BankChangeUnderCredoc,
                rules.BankChangeUnderBankEngagement, rules.BankChangeAlreadyPending,
            ),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get", "post"], url_path="bank-changes", filter_backends=[])
    def bank_changes(self, request, pk=None):
        commitment = self.get_object()
        if request.method == "GET":
            changes = selectors.bank_change_list_for(user=request.user).filter(commitment=commitment)
            page = self.paginate_queryset(changes)
            return self.get_paginated_response(s.BankChangeSerializer(page, many=True).data)
        data = _validated(s.BankChangeRequestSerializer, request.data)
        change = services.commitment_request_bank_change(
            commitment=commitment, to_bank=data["to_bank"], user=request.user, reason=data["reason"]
        )
        return Response(s.BankChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Historique de l'engagement", responses={200: s.CommitmentHistorySerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        commitment = self.get_object()
        page = self.paginate_queryset(commitment.history.select_related("history_user").order_by("-history_date"))
        return self.get_paginated_response(s.CommitmentHistorySerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Transferts de domiciliation où la banque est partie (initiale ou nouvelle)"),
    retrieve=extend_schema(summary="Détail d'un transfert"),
)
@extend_schema(tags=["transferts de domiciliation"])
class BankChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    authentication_classes = AUTHENTICATION
    serializer_class = s.BankChangeSerializer

    def get_queryset(self):
        return selectors.bank_change_list_for(user=self.request.user)

    def get_permissions(self):
        if self.action in ("settlements_recorded", "accept", "reject"):
            return [IsBankUser()]
        return [CanReadCommitments()]

    @extend_schema(
        summary="Règlements renseignés (banque initiale)",
        description="La banque initiale déclare avoir renseigné ses règlements ; elle ne règle plus ensuite.",
        request=None,
        responses={200: s.BankChangeSerializer, 400: refusals(rules.NotCommitmentBank, rules.BankChangeNotPending)},
    )
    @action(detail=True, methods=["post"], url_path="settlements-recorded", filter_backends=[])
    def settlements_recorded(self, request, pk=None):
        change = services.bank_change_record_settlements(bank_change=self.get_object(), user=request.user)
        return Response(s.BankChangeSerializer(change).data)

    @extend_schema(
        summary="Accepter le transfert (nouvelle banque)",
        request=None,
        responses={
            200: s.BankChangeSerializer,
            400: refusals(
                rules.NotCommitmentBank, rules.BankChangeNotPending, rules.SettlementsNotRecorded,
                rules.BankChangeUnderCredoc, rules.BankChangeUnderBankEngagement,
            ),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def accept(self, request, pk=None):
        change = services.bank_change_accept(bank_change=self.get_object(), user=request.user)
        return Response(s.BankChangeSerializer(change).data)

    @extend_schema(
        summary="Refuser le transfert (nouvelle banque)",
        request=s.DecisionSerializer,
        responses={200: s.BankChangeSerializer, 400: refusals(rules.NotCommitmentBank, rules.BankChangeNotPending)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reject(self, request, pk=None):
        data = _validated(s.DecisionSerializer, request.data)
        change = services.bank_change_reject(bank_change=self.get_object(), user=request.user, reason=data["reason"])
        return Response(s.BankChangeSerializer(change).data)


@extend_schema_view(
    create=extend_schema(responses={201: s.ImporterSerializer, 400: refusals(
        rules.ImporterAlreadyRegistered, PartyIdentifierConflict)}),
    update=extend_schema(responses={200: s.ImporterSerializer, 400: refusals(PartyIdentifierConflict)}),
    partial_update=extend_schema(responses={200: s.ImporterSerializer, 400: refusals(PartyIdentifierConflict)}),
)
@extend_schema(tags=["importateurs"])
class ImporterViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Importers and the attributes the Office des Changes rules depend on (transitaire)."""

    authentication_classes = AUTHENTICATION
    serializer_class = s.ImporterSerializer
    queryset = Importer.objects.select_related("party").order_by("party__name")
    permission_classes = [BrokerWorkPermission]  # broker staff write, auditors read


@extend_schema_view(
    list=extend_schema(summary="Importations dispensées d'engagement (personnes physiques)"),
    create=extend_schema(
        summary="Contrôler et enregistrer une importation dispensée d'engagement",
        description="Personnes physiques résidentes non inscrites au registre du commerce : dispense jusqu'à "
        "20 000 MAD par personne et par année civile ; au-delà, un engagement est obligatoire.",
        request=s.PersonalImportInputSerializer,
        responses={
            201: s.PersonalImportSerializer,
            400: refusals(
                rules.InvalidAmount, rules.PersonalExemptionNotApplicable, rules.PersonalExemptionExceeded,
                CurrencyConversionError,
            ),
        },
    ),
)
@extend_schema(tags=["importateurs"])
class PersonalImportViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    authentication_classes = AUTHENTICATION
    serializer_class = s.PersonalImportSerializer
    queryset = PersonalImport.objects.order_by("date", "id")
    filterset_class = PersonalImportFilter
    permission_classes = [BrokerWorkPermission]  # broker staff write, auditors read

    def create(self, request, *args, **kwargs):
        data = _validated(s.PersonalImportInputSerializer, request.data)
        record = services.personal_import_check(
            importer=data["importer"],
            user=request.user,
            amount=data["amount"],
            currency=data["currency"],
            on_date=data["date"],
            reference=data["reference"],
        )
        return Response(s.PersonalImportSerializer(record).data, status=status.HTTP_201_CREATED)


EVENTS_DESCRIPTION = """Ce qui a changé sur les engagements de la banque appelante, dans l'ordre, pour qu'un système
bancaire interroge (polling) au lieu de relire chaque engagement — ce que PortNet transmet aujourd'hui par EDI.

Banques seulement (le transitaire et l'audit ont les pages et `/commitments/{id}/history/` : 403). Une banque ne
voit que ses propres événements ; un changement de banque en donne un à chacune des deux banques.

Appeler avec `after=<next>` de la réponse précédente : chaque événement est lu une fois, aucun n'est sauté,
même écrit par une transaction concurrente (l'ordre est celui des transactions validées). `has_more` : d'autres
événements suivent déjà. Un curseur qui n'est pas un événement de la banque : 400 `invalid_cursor`.

`kind` et `payload` (en plus de `number` et `status`, l'engagement après le changement) :

- `commitment_subscribed` — engagement souscrit, à domicilier : `subscribed_amount`, `currency` ;
- `commitment_domiciled` — `contract_reference` ;
- `imputation_recorded` — `imputation`, `kind` (`partial`/`final`), `amount`, `currency`,
  `amount_in_commitment_currency`, `date`, `declaration_reference`, `imputed_to_date` ;
- `payment_recorded` — `payment`, `kind`, `amount`, `currency`, `amount_in_commitment_currency`, `date` ;
- `status_changed` — `previous_status` (partiellement / totalement imputé, réglé, clôturé) ;
- `advances_carried_over` — `source`, `target`, `amount`, `currency`, `amount_in_target_currency` ;
- `modification_requested` / `modification_validated` / `modification_rejected` — `modification`, `changes`
  (`previous`, `rejection_reason`) ;
- `bank_change_requested` / `bank_change_settlements_recorded` / `bank_change_accepted` / `bank_change_rejected`
  — `bank_change`, `from_bank`, `to_bank` (`reason`, `settled_amount`, `rejection_reason`).
"""


@extend_schema(tags=["événements"])
class CommitmentEventFeedView(GenericAPIView):
    """The partner banks' change feed (``selectors.event_list_for``): one page of events and the
    cursor of the next call (not a numbered page: a list that grows while it is read)."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsBankUser]
    serializer_class = s.EventPageSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        operation_id="v1_events_list",
        summary="Événements des engagements de la banque (flux de changements)",
        description=EVENTS_DESCRIPTION,
        parameters=[s.EventQuerySerializer],
        responses={200: s.EventPageSerializer},
    )
    def get(self, request, *args, **kwargs):
        query = _validated(s.EventQuerySerializer, request.query_params)
        try:
            page = selectors.event_list_for(
                bank=selectors.bank_for_user(request.user), after=query["after"], limit=query["limit"]
            )
        except selectors.UnknownCursor as exc:
            raise ValidationError({"after": [ErrorDetail(
                "Curseur inconnu : renvoyer le `next` d'une réponse précédente (ou 0).", code="invalid_cursor"
            )]}) from exc
        return Response(s.EventPageSerializer(page).data)
