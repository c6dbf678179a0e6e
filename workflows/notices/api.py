"""API: ``/api/v1/notices/`` and ``/api/v1/notice-assignments/`` (DESIGN §3.6).

The kernel's RecordViewSet gives scoped list/retrieve, ``available_transitions``,
``POST …/transitions/<name>/`` and ``GET …/history/``; here: the bodies, filters and create.
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from supervision.api.base import RecordSerializer, RecordViewSet
from supervision.forms import validate_upload
from supervision.models import Region

from . import selectors, services
from .choices import Category, Urgency
from .filters import AssignmentFilter, NoticeFilter
from .forms import issuing_units
from .models import Notice, NoticeAssignment


class AssignmentSummarySerializer(serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True)

    class Meta:
        model = NoticeAssignment
        fields = ["id", "township", "township_name", "state", "due_date", "due_provisional", "escalation"]


class NoticeSerializer(RecordSerializer):
    issuing_unit_name = serializers.CharField(source="issuing_unit.name", read_only=True)
    assignments = serializers.SerializerMethodField()
    target_townships = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = ["id", "number", "title", "findings", "requirements", "category", "urgency", "issuing_unit",
                  "issuing_unit_name", "state", "version", "issued_on", "target_townships", "assignments",
                  "available_transitions", "created_at"]
        read_only_fields = fields

    def get_assignments(self, obj) -> list[dict]:
        """Only the assignments the caller may see (prefetched by the viewset's queryset)."""
        return AssignmentSummarySerializer(obj.visible_assignments, many=True).data

    def get_target_townships(self, obj) -> list[int]:
        """County-wide users see every target; a township user only their own."""
        ids = [t.pk for t in obj.target_townships.all()]
        county_wide, mine = selectors.assignment_scope(user=self.context["request"].user)
        return ids if county_wide else [i for i in ids if i in mine]


class NoticeCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    findings = serializers.CharField()
    requirements = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices, default=Category.OTHER)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    issuing_unit = serializers.PrimaryKeyRelatedField(queryset=issuing_units(), required=False, allow_null=True)
    target_townships = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(level=Region.Level.TOWNSHIP), many=True, allow_empty=False)
    attachment = serializers.FileField(required=False, validators=[validate_upload],
                                       help_text="Optional file (multipart); size and type limits apply.")


class NoticeUpdateSerializer(NoticeCreateSerializer):
    """PATCH of a draft: every field optional."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class NoticeViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, RecordViewSet):
    model = Notice
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilter

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = selectors.notice_list_visible_to(user=self.request.user).order_by("-pk")
        return selectors.notices_with_visible_assignments(user=self.request.user, qs=qs)

    def get_serializer_class(self):
        return {"create": NoticeCreateSerializer, "partial_update": NoticeUpdateSerializer}.get(
            self.action, NoticeSerializer)

    @extend_schema(request=NoticeCreateSerializer, responses={201: NoticeSerializer})
    def create(self, request, *args, **kwargs):
        """Draft a notice (inspectors); issue it with ``transitions/issue/``."""
        data = NoticeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_create(actor=request.user, **data.validated_data)
        body = NoticeSerializer(self.get_queryset().get(pk=notice.pk), context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=NoticeUpdateSerializer, responses={200: NoticeSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Edit a draft (inspectors); 409 once it is issued."""
        notice = self.get_object()
        data = NoticeUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.notice_update_draft(actor=request.user, notice=notice, **data.validated_data)
        body = NoticeSerializer(self.get_queryset().get(pk=notice.pk), context=self.get_serializer_context()).data
        return Response(body)


class AssignmentSerializer(RecordSerializer):
    notice_number = serializers.CharField(source="notice.number", read_only=True)
    notice_title = serializers.CharField(source="notice.title", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    urgency = serializers.CharField(source="notice.urgency", read_only=True)

    class Meta:
        model = NoticeAssignment
        fields = ["id", "notice", "notice_number", "notice_title", "urgency", "township", "township_name", "state",
                  "version", "due_date", "due_provisional", "original_due_date", "escalation", "acknowledged_at",
                  "responded_at", "closed_at", "referred_at", "available_transitions"]
        read_only_fields = fields


class AssignmentViewSet(RecordViewSet):
    model = NoticeAssignment
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter  # the register page's and the export's filters
    related = ("notice", "township")
