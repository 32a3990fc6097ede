"""Plans API: public reads of the published plans of the request's municipality, and KPI
measurements posted by its staff (with the plans module), for instance by sensors and
other modules with a token. Writes go through ``services``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from digiplace.core.api.permissions import module_staff_permission
from digiplace.core.http import request_actor, request_municipality

from .. import selectors, services
from ..models import Kpi, Measurement, Objective, Plan, Project
from .serializers import (
    KpiOutputSerializer,
    MeasurementInputSerializer,
    MeasurementOutputSerializer,
    PlanDetailOutputSerializer,
    PlanListOutputSerializer,
    ProjectDetailOutputSerializer,
    ProjectFilterSerializer,
    ProjectListOutputSerializer,
)

TAG = "plans"
PlansStaff = module_staff_permission("plans")
PLAN_KEY = OpenApiParameter("plan_key", OpenApiTypes.STR, OpenApiParameter.PATH)
PROJECT_KEY = OpenApiParameter("project_key", OpenApiTypes.STR, OpenApiParameter.PATH)
KPI_KEY = OpenApiParameter("kpi_key", OpenApiTypes.STR, OpenApiParameter.PATH)


def _plan(request: Request, plan_key: str) -> Plan:
    # Plans answer on a municipality's own host name: 404 on the platform's.
    plan = selectors.plan_get(municipality=request_municipality(request), key=plan_key)
    if plan is None:
        raise Http404
    return plan


def _service_error(error: DjangoValidationError) -> ValidationError:
    return ValidationError(detail=serializers.as_serializer_error(error))


class _PlanScopedView(APIView):
    """Reads the plan of the URL once per request, scoped to the request's municipality."""

    _plan_cache: Plan | None = None

    @property
    def plan(self) -> Plan:
        if self._plan_cache is None:
            self._plan_cache = _plan(self.request, self.kwargs["plan_key"])
        return self._plan_cache


@extend_schema(tags=[TAG], summary="Published plans of this municipality")
class PlanListView(generics.ListAPIView[Plan]):
    permission_classes = [AllowAny]
    serializer_class = PlanListOutputSerializer

    def get_queryset(self) -> QuerySet[Plan]:
        return selectors.plan_list(municipality=request_municipality(self.request)).order_by(
            "-period_start", "key"
        )


class PlanDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="A plan with its pillars, objectives and progress",
        parameters=[PLAN_KEY],
        responses={
            200: PlanDetailOutputSerializer,
            404: OpenApiResponse(description="No such plan"),
        },
    )
    def get(self, request: Request, plan_key: str) -> Response:
        plan = _plan(request, plan_key)
        plan = (
            Plan.objects.filter(pk=plan.pk)
            .prefetch_related(
                "pillars", Prefetch("pillars__objectives", Objective.objects.order_by("position"))
            )
            .get()
        )
        context = {"progress": selectors.project_progress_map(plan=plan)}
        return Response(PlanDetailOutputSerializer(plan, context=context).data)


@extend_schema(
    tags=[TAG], summary="Projects of a plan", parameters=[PLAN_KEY, ProjectFilterSerializer]
)
class ProjectListView(_PlanScopedView, generics.ListAPIView[Project]):
    permission_classes = [AllowAny]
    serializer_class = ProjectListOutputSerializer

    def get_queryset(self) -> QuerySet[Project]:
        filters = ProjectFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.project_list(plan=self.plan, **filters.validated_data)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["progress"] = selectors.project_progress_map(plan=self.plan)
        return context


class ProjectDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="A project with its activities",
        parameters=[PLAN_KEY, PROJECT_KEY],
        responses={
            200: ProjectDetailOutputSerializer,
            404: OpenApiResponse(description="No such plan or project"),
        },
    )
    def get(self, request: Request, plan_key: str, project_key: str) -> Response:
        plan = _plan(request, plan_key)
        project = get_object_or_404(
            Project.objects.filter(plan=plan)
            .select_related("pillar", "objective")
            .prefetch_related("activities"),
            key=project_key,
        )
        context = {"progress": selectors.project_progress_map(plan=plan)}
        return Response(ProjectDetailOutputSerializer(project, context=context).data)


class KpiListView(_PlanScopedView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="KPIs of a plan with their latest reading and status",
        parameters=[PLAN_KEY],
        responses={200: KpiOutputSerializer(many=True)},
    )
    def get(self, request: Request, plan_key: str) -> Response:
        readings = selectors.kpi_readings(kpis=selectors.plan_kpis(plan=self.plan))
        return Response(KpiOutputSerializer(readings, many=True).data)


class MeasurementListCreateView(_PlanScopedView, generics.ListAPIView[Measurement]):
    """Anyone reads a KPI's measurements; staff with the plans module add them."""

    serializer_class = MeasurementOutputSerializer

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [IsAuthenticated(), PlansStaff()]
        return [AllowAny()]

    def kpi(self) -> Kpi:
        return get_object_or_404(Kpi.objects.filter(plan=self.plan), key=self.kwargs["kpi_key"])

    def get_queryset(self) -> QuerySet[Measurement]:
        return (
            Measurement.objects.filter(kpi=self.kpi())
            .select_related("kpi")
            .order_by("-date", "-id")
        )

    @extend_schema(
        tags=[TAG],
        summary="Measurements of a KPI, newest first",
        parameters=[PLAN_KEY, KPI_KEY],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Add a measurement to a KPI (staff with the plans module)",
        description=(
            "For staff of this municipality whose role includes the plans module, signed in "
            "or with a token (`Authorization: Token …`, from /api/v1/auth/token/). The value "
            "and date are public; the change shows on the project's timeline."
        ),
        parameters=[PLAN_KEY, KPI_KEY],
        request=MeasurementInputSerializer,
        responses={
            201: MeasurementOutputSerializer,
            400: OpenApiResponse(description="Bad input; the messages are by field"),
            401: OpenApiResponse(description="Not signed in"),
            403: OpenApiResponse(description="Not staff with the plans module here"),
            404: OpenApiResponse(description="No such plan or KPI"),
        },
    )
    def post(self, request: Request, plan_key: str, kpi_key: str) -> Response:
        kpi = self.kpi()
        payload = MeasurementInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            measurement = services.measurement_create(
                actor=request_actor(request), kpi=kpi, **payload.validated_data
            )
        except DjangoValidationError as error:
            raise _service_error(error) from error
        return Response(
            MeasurementOutputSerializer(measurement).data, status=status.HTTP_201_CREATED
        )
