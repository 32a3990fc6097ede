"""Core API: public municipalities, the signed-in person, their inbox, and staff endpoints
scoped to the municipality of the request's host. Writes go through the services."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import backoffice_services, selectors, services
from ..http import request_actor, request_municipality
from ..models import AuditLogEntry, Department, Municipality, Notification, StaffMembership
from ..page_cache import page_lists_cities
from .permissions import IsMunicipalityAdmin
from .serializers import (
    AuditLogEntryOutputSerializer,
    AuditLogFilterSerializer,
    DepartmentInputSerializer,
    DepartmentOutputSerializer,
    MeInputSerializer,
    MeOutputSerializer,
    MunicipalityOutputSerializer,
    NotificationOutputSerializer,
    StaffMembershipOutputSerializer,
    TokenCreateInputSerializer,
    TokenOutputSerializer,
)

STAFF_TAG = "back office"


def _service_error(error: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's, so it answers 400 with the messages by field."""
    return ValidationError(detail=serializers.as_serializer_error(error))


# Authentication


class TokenCreateApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        tags=["auth"],
        summary="Get an API token with email and password",
        request=TokenCreateInputSerializer,
        responses={
            200: TokenOutputSerializer,
            429: OpenApiResponse(
                description="Too many failed attempts with this email from this address; "
                "`Retry-After` says when to try again."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        payload = TokenCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=payload.validated_data["email"],
            password=payload.validated_data["password"],
        )
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                # django-axes would answer its HTML page; an API answers in its own format.
                request._request.axes_locked_out = False  # type: ignore[attr-defined]
                cool_off = get_cool_off(request._request)
                raise Throttled(
                    wait=cool_off.total_seconds() if cool_off else None,
                    detail=str(_("Too many failed attempts with this email.")),
                )
            raise ValidationError(
                {"non_field_errors": [_("Unable to log in with this email and password.")]}
            )
        token = services.api_token_create(user=user)
        return Response(TokenOutputSerializer({"token": token.key}).data)


class TokenRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["auth"], summary="Revoke your API token", responses={204: None})
    def delete(self, request: Request) -> Response:
        services.api_token_revoke(user=request_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Municipalities (public)


@extend_schema(tags=["municipalities"], summary="Hosted municipalities")
@page_lists_cities
class MunicipalityListApi(generics.ListAPIView[Municipality]):
    """Public and the same for everyone: answers carry ETag and Last-Modified for
    conditional requests, and change as soon as a municipality does."""

    permission_classes = [AllowAny]
    serializer_class = MunicipalityOutputSerializer

    def get_queryset(self) -> QuerySet[Municipality]:
        return Municipality.objects.filter(is_active=True).order_by("slug")


@extend_schema(tags=["municipalities"], summary="One hosted municipality")
@page_lists_cities
class MunicipalityDetailApi(generics.RetrieveAPIView[Municipality]):
    permission_classes = [AllowAny]
    serializer_class = MunicipalityOutputSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Municipality]:
        return Municipality.objects.filter(is_active=True)


# The signed-in person


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["me"], summary="Your profile", responses=MeOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeOutputSerializer(request_actor(request)).data)

    @extend_schema(
        tags=["me"],
        summary="Change your profile",
        request=MeInputSerializer(partial=True),
        responses=MeOutputSerializer,
    )
    def patch(self, request: Request) -> Response:
        user = request_actor(request)
        payload = MeInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        changes = {
            "full_name": user.full_name,
            "preferred_language": user.preferred_language,
            "notify_in_app": user.notify_in_app,
            "notify_by_email": user.notify_by_email,
            **payload.validated_data,
        }
        user = services.user_profile_update(user=user, **changes)
        return Response(MeOutputSerializer(user).data)


@extend_schema(tags=["me"], summary="Your notifications, newest first")
class NotificationListApi(generics.ListAPIView[Notification]):
    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOutputSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.notification_inbox(user=request_actor(self.request))


class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["me"],
        summary="Mark one of your notifications read",
        request=None,
        responses={
            200: NotificationOutputSerializer,
            404: OpenApiResponse(description="Not yours"),
        },
    )
    def post(self, request: Request, notification_id: int) -> Response:
        user = request_actor(request)
        inbox = selectors.notification_inbox(user=user)
        get_object_or_404(inbox, pk=notification_id)
        services.notification_mark_read(user=user, notification_id=notification_id)
        return Response(NotificationOutputSerializer(inbox.get(pk=notification_id)).data)


# Back office of the request's municipality


def _department_queryset(request: Request) -> QuerySet[Department]:
    return Department.objects.for_municipality(request_municipality(request)).order_by("name_ro")


class DepartmentListApi(generics.ListAPIView[Department]):
    permission_classes = [IsAuthenticated, IsMunicipalityAdmin]
    serializer_class = DepartmentOutputSerializer

    def get_queryset(self) -> QuerySet[Department]:
        return _department_queryset(self.request)

    @extend_schema(tags=[STAFF_TAG], summary="Departments of this municipality")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[STAFF_TAG],
        summary="Add a department",
        request=DepartmentInputSerializer,
        responses={201: DepartmentOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = DepartmentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            department = backoffice_services.department_create(
                actor=request_actor(request),
                municipality=request_municipality(request),
                **payload.validated_data,
            )
        except DjangoValidationError as error:
            raise _service_error(error) from error
        return Response(DepartmentOutputSerializer(department).data, status=status.HTTP_201_CREATED)


class DepartmentDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsMunicipalityAdmin]

    def _department(self, request: Request, department_id: int) -> Department:
        return get_object_or_404(_department_queryset(request), pk=department_id)

    @extend_schema(tags=[STAFF_TAG], summary="One department", responses=DepartmentOutputSerializer)
    def get(self, request: Request, department_id: int) -> Response:
        return Response(DepartmentOutputSerializer(self._department(request, department_id)).data)

    @extend_schema(
        tags=[STAFF_TAG],
        summary="Change a department",
        request=DepartmentInputSerializer(partial=True),
        responses=DepartmentOutputSerializer,
    )
    def patch(self, request: Request, department_id: int) -> Response:
        department = self._department(request, department_id)
        payload = DepartmentInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        try:
            department = backoffice_services.department_update(
                actor=request_actor(request), department=department, **payload.validated_data
            )
        except DjangoValidationError as error:
            raise _service_error(error) from error
        return Response(DepartmentOutputSerializer(department).data)

    @extend_schema(tags=[STAFF_TAG], summary="Delete a department", responses={204: None})
    def delete(self, request: Request, department_id: int) -> Response:
        department = self._department(request, department_id)
        backoffice_services.department_delete(actor=request_actor(request), department=department)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=[STAFF_TAG], summary="Staff of this municipality")
class StaffListApi(generics.ListAPIView[StaffMembership]):
    permission_classes = [IsAuthenticated, IsMunicipalityAdmin]
    serializer_class = StaffMembershipOutputSerializer

    def get_queryset(self) -> QuerySet[StaffMembership]:
        return (
            StaffMembership.objects.for_municipality(request_municipality(self.request))
            .select_related("user", "department")
            .order_by("user__email")
        )


@extend_schema(
    tags=[STAFF_TAG],
    summary="Audit log of this municipality, newest first",
    parameters=[AuditLogFilterSerializer],
)
class AuditLogListApi(generics.ListAPIView[AuditLogEntry]):
    permission_classes = [IsAuthenticated, IsMunicipalityAdmin]
    serializer_class = AuditLogEntryOutputSerializer

    def get_queryset(self) -> QuerySet[AuditLogEntry]:
        filters = AuditLogFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        entries = selectors.audit_log_for(municipality=request_municipality(self.request))
        if action := filters.validated_data.get("action"):
            entries = entries.filter(action=action)
        if target_type := filters.validated_data.get("target_type"):
            entries = entries.filter(target_type=target_type)
        return entries
