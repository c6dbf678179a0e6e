"""/api/v1/rectifications/ (DESIGN §3.6): list/retrieve/transitions/history from the kernel,
create (township screening), plan items, item done, progress reports."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from supervision.api.base import RecordSerializer, RecordViewSet
from supervision.forms import form_data

from . import selectors, services
from .models import Acceptance, PlanItem, ProgressReport, Rectification


class PlanItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanItem
        fields = ["id", "problem", "measure", "responsible", "deadline", "done", "done_on"]
        read_only_fields = ["done", "done_on"]


class ProgressSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressReport
        fields = ["id", "date", "text", "reported_by", "created_at"]


class AcceptanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Acceptance
        fields = ["id", "score", "dissatisfied_pct", "inspectors", "date", "opinion", "passed", "new_deadline"]


class RectificationSerializer(RecordSerializer):
    township = serializers.IntegerField(source="village.parent_id", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    plan_completion = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = ["id", "village", "village_name", "township", "year", "criteria", "other_criteria", "problem",
                  "county_leader", "township_leader", "first_secretary", "twinned_unit", "township_secretary",
                  "responsible_cadre", "state", "state_label", "due_date", "due_provisional", "plan_completion",
                  "overdue", "rectifying_since", "accepted_on", "follow_up_until", "version", "available_transitions"]
        read_only_fields = fields

    def get_plan_completion(self, obj) -> int:
        total = getattr(obj, "items_total", None)
        if total is None:
            return 0
        return round(100 * obj.items_done / total) if total else 0

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


class RectificationDetailSerializer(RectificationSerializer):
    plan_items = PlanItemSerializer(many=True, read_only=True)
    progress_reports = ProgressSerializer(many=True, read_only=True)
    acceptances = AcceptanceSerializer(many=True, read_only=True)

    class Meta(RectificationSerializer.Meta):
        fields = RectificationSerializer.Meta.fields + ["plan_items", "progress_reports", "acceptances"]
        read_only_fields = fields


class ScreeningInputSerializer(serializers.Serializer):
    village = serializers.IntegerField()
    year = serializers.IntegerField()
    criteria = serializers.ListField(child=serializers.CharField())
    other_criteria = serializers.CharField(required=False, allow_blank=True)
    problem = serializers.CharField()
    township_secretary = serializers.IntegerField()
    responsible_cadre = serializers.IntegerField()
    township_leader = serializers.IntegerField(required=False)
    first_secretary = serializers.IntegerField(required=False)
    due_date = serializers.DateField(required=False)


def _as_form_data(data):
    """Request data (JSON dict or QueryDict) → what a Django form expects (the kernel's helper)."""
    return form_data(data)


class RectificationViewSet(mixins.CreateModelMixin, RecordViewSet):
    model = Rectification
    serializer_class = RectificationSerializer
    filterset_fields = ("state", "year", "village")

    def get_queryset(self):
        qs = selectors.rectification_list_visible_to(user=self.request.user)
        if self.action in ("retrieve", "transitions"):
            qs = qs.prefetch_related("plan_items", "progress_reports", "acceptances")
        return qs

    def get_serializer_class(self):
        if self.action in ("retrieve", "transitions"):
            return RectificationDetailSerializer
        return RectificationSerializer

    @extend_schema(request=ScreeningInputSerializer, responses={201: RectificationSerializer})
    def create(self, request, *args, **kwargs):
        obj = services.rectification_screen(actor=request.user, data=_as_form_data(request.data))
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlanItemSerializer, responses={201: PlanItemSerializer})
    @action(detail=True, methods=["post"], url_path="plan-items")
    def plan_items(self, request, pk=None):
        item = services.plan_item_add(actor=request.user, rectification_id=pk, data=_as_form_data(request.data))
        return Response(PlanItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PlanItemSerializer})
    @action(detail=True, methods=["post"], url_path=r"plan-items/(?P<item_id>[0-9]+)/done")
    def plan_item_done(self, request, pk=None, item_id=None):
        done = str(request.data.get("done", "true")).lower() not in ("0", "false", "no")
        item = services.plan_item_set_done(actor=request.user, rectification_id=pk, item_id=item_id, done=done)
        return Response(PlanItemSerializer(item).data)

    @extend_schema(request=ProgressSerializer, responses={201: ProgressSerializer})
    @action(detail=True, methods=["post"], url_path="progress")
    def progress(self, request, pk=None):
        report = services.progress_report_add(actor=request.user, rectification_id=pk,
                                              data=_as_form_data(request.data), files=request.FILES)
        return Response(ProgressSerializer(report).data, status=status.HTTP_201_CREATED)
