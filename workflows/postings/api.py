"""API: /api/v1/postings/, /api/v1/assessments/, /api/v1/recalls/, /api/v1/leave-requests/ (DESIGN §3.6)."""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from supervision import access
from supervision.api.base import RecordSerializer, RecordViewSet
from supervision.errors import Http404
from supervision.models import Person, Region, Unit

from . import services
from .choices import PostingRole
from .filters import AssessmentFilter, PostingFilter
from .models import Assessment, LeaveRequest, MonthlyAttendance, Posting, Recall, WorkFunds, with_open_recall


def _visible_posting(user, pk) -> Posting:
    posting = (access.visible(user, Posting).select_related("village", "person", "dispatching_unit")
               .filter(pk=pk).first())
    if posting is None:
        raise Http404(_("记录不存在或无权查看。"))
    return posting


class PostingSerializer(RecordSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    dispatching_unit_name = serializers.CharField(source="dispatching_unit.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    township = serializers.IntegerField(source="village.parent_id", read_only=True)
    township_name = serializers.CharField(source="village.parent.name", read_only=True)

    class Meta:
        model = Posting
        fields = ["id", "person", "person_name", "dispatching_unit", "dispatching_unit_name", "village",
                  "village_name", "township", "township_name", "role", "start_date", "term_years", "end_date",
                  "ended_on", "renewal_of", "term_end_flagged", "state", "version", "available_transitions"]
        read_only_fields = fields


class PostingCreateSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    person_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    dispatching_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    village = serializers.PrimaryKeyRelatedField(queryset=Region.objects.filter(level=Region.Level.VILLAGE))
    role = serializers.ChoiceField(choices=PostingRole.choices)
    start_date = serializers.DateField()
    term_years = serializers.IntegerField(required=False, min_value=1, max_value=5)


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonthlyAttendance
        fields = ["id", "year", "month", "days_on_site", "leave_days", "absences", "note"]


class AttendanceInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)
    days_on_site = serializers.IntegerField(min_value=0)
    leave_days = serializers.IntegerField(min_value=0, default=0)
    absences = serializers.IntegerField(min_value=0, default=0)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class FundsSerializer(serializers.ModelSerializer):
    shortfall = serializers.BooleanField(read_only=True)

    class Meta:
        model = WorkFunds
        fields = ["id", "year", "amount", "note", "shortfall"]


class FundsInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class LeaveInputSerializer(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    reason = serializers.CharField(max_length=500)


class RecallInputSerializer(serializers.Serializer):
    grounds = serializers.CharField(max_length=2000)


class PostingViewSet(mixins.CreateModelMixin, RecordViewSet):
    model = Posting
    serializer_class = PostingSerializer
    related = ("person", "dispatching_unit", "village__parent")
    filterset_class = PostingFilter  # the same filters as the register page and its export

    def get_queryset(self):
        return with_open_recall(super().get_queryset())

    @extend_schema(request=PostingCreateSerializer, responses={201: PostingSerializer})
    def create(self, request, *args, **kwargs):
        data = PostingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        posting = services.posting_create(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=posting.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=AttendanceSerializer(many=True))
    @extend_schema(methods=["POST"], request=AttendanceInputSerializer, responses={201: AttendanceSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def attendance(self, request, pk=None):
        posting = self.get_object()
        if request.method == "POST":
            data = AttendanceInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            row = services.attendance_record(actor=request.user, posting=posting, **data.validated_data)
            return Response(AttendanceSerializer(row).data, status=status.HTTP_201_CREATED)
        return Response(AttendanceSerializer(posting.attendance.all(), many=True).data)

    @extend_schema(methods=["GET"], responses=FundsSerializer(many=True))
    @extend_schema(methods=["POST"], request=FundsInputSerializer, responses={201: FundsSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def funds(self, request, pk=None):
        posting = self.get_object()
        if request.method == "POST":
            data = FundsInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            row = services.funds_record(actor=request.user, posting=posting, **data.validated_data)
            return Response(FundsSerializer(row).data, status=status.HTTP_201_CREATED)
        return Response(FundsSerializer(posting.funds.select_related("posting"), many=True).data)


class AssessmentSerializer(RecordSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    # The same choice set as final_grade (one enum in the schema: FinalGradeEnum).
    township_grade = serializers.CharField(read_only=True, help_text="A FinalGradeEnum value, or empty.")
    office_grade = serializers.CharField(read_only=True, help_text="A FinalGradeEnum value, or empty.")

    class Meta:
        model = Assessment
        fields = ["id", "posting", "person", "person_name", "township", "year", "self_report", "township_grade",
                  "township_comment", "unit_opinion", "office_grade", "office_comment", "publicity_start",
                  "publicity_end", "publicity_provisional", "objection_count", "last_objection", "final_grade",
                  "finalized_on", "days_on_site", "absences", "state", "version", "available_transitions"]
        read_only_fields = fields


class AssessmentCreateSerializer(serializers.Serializer):
    posting = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class AssessmentViewSet(mixins.CreateModelMixin, RecordViewSet):
    model = Assessment
    serializer_class = AssessmentSerializer
    related = ("person",)
    filterset_class = AssessmentFilter  # the same filters as the assessment board and its export

    @extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentSerializer})
    def create(self, request, *args, **kwargs):
        data = AssessmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        posting = _visible_posting(request.user, data.validated_data["posting"])
        obj = services.assessment_open(actor=request.user, posting=posting, year=data.validated_data["year"])
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"])
    def quota(self, request):
        """The 优秀 quota of ``?year=`` (county-wide)."""
        year = request.query_params.get("year", "")
        if not year.isdigit():
            raise serializers.ValidationError({"year": [_("请指定年度。")]})
        return Response(services.excellent_quota(int(year)))


class RecallSerializer(RecordSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    village_name = serializers.CharField(source="posting.village.name", read_only=True)
    replacement_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Recall
        fields = ["id", "posting", "person", "person_name", "township", "village_name", "grounds", "proposed_by",
                  "auto", "assessment", "decided_by", "decided_on", "withdrawn_on", "replacement_due",
                  "replacement_due_provisional", "replacement", "replacement_overdue", "state", "version",
                  "available_transitions"]
        read_only_fields = fields


class RecallCreateSerializer(serializers.Serializer):
    posting = serializers.IntegerField()
    grounds = serializers.CharField(max_length=2000)


class RecallViewSet(mixins.CreateModelMixin, RecordViewSet):
    model = Recall
    serializer_class = RecallSerializer
    related = ("person", "posting__village")
    filterset_fields = ("state", "township", "auto")

    @extend_schema(request=RecallCreateSerializer, responses={201: RecallSerializer})
    def create(self, request, *args, **kwargs):
        data = RecallCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        posting = _visible_posting(request.user, data.validated_data["posting"])
        obj = services.recall_propose(actor=request.user, posting=posting, grounds=data.validated_data["grounds"])
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data, status=status.HTTP_201_CREATED)


class LeaveRequestSerializer(RecordSerializer):
    class Meta:
        model = LeaveRequest
        fields = ["id", "posting", "township", "start_date", "end_date", "days", "reason", "requested_by",
                  "decided_by", "state", "version", "available_transitions"]
        read_only_fields = fields


class LeaveCreateSerializer(LeaveInputSerializer):
    posting = serializers.IntegerField()


class LeaveRequestViewSet(mixins.CreateModelMixin, RecordViewSet):
    model = LeaveRequest
    serializer_class = LeaveRequestSerializer
    related = ("posting__person",)
    filterset_fields = ("state", "township", "posting")

    @extend_schema(request=LeaveCreateSerializer, responses={201: LeaveRequestSerializer})
    def create(self, request, *args, **kwargs):
        data = LeaveCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        posting = _visible_posting(request.user, values.pop("posting"))
        obj = services.leave_request_create(actor=request.user, posting=posting, **values)
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data, status=status.HTTP_201_CREATED)


