"""API: /api/v1/cases/ and /api/v1/accountability/ (DESIGN §3.6) on the kernel's RecordViewSet."""
from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from supervision.api.base import RecordSerializer, RecordViewSet
from supervision.models import Person, Region, Unit

from . import choices, services
from .conf import limit
from .filters import CaseFilter
from .models import AccountabilityMatter, AccountabilityTarget, Case, CaseSubject, SubjectMatter


class CaseSubjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseSubject
        fields = ["id", "name", "post", "village", "is_party_member", "is_village_committee", "is_township_cadre"]


class SubjectMatterSerializer(RecordSerializer):
    """A subject's matter: outcome, sanctions, four forms, transfer, execution and appeal."""

    case_number = serializers.CharField(source="case.number", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = SubjectMatter
        fields = ["id", "case", "case_number", "subject", "subject_name", "state", "state_label",
                  "pending_kind", "pending_by", "pending_at", "pending_data", "outcome", "party_sanction",
                  "admin_sanction", "four_forms", "decided_on", "executed_on", "execution_report", "closed_on",
                  "transferred", "transferred_on", "procuratorate", "procuratorate_on", "judgement",
                  "judgement_on", "appealed_on", "appealed_from", "reexam_outcome", "reexamined_on",
                  "due_date", "due_provisional", "due_kind", "version", "available_transitions"]
        read_only_fields = fields


class CaseSubjectSerializerWithMatter(CaseSubjectSerializer):
    matter = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta(CaseSubjectSerializer.Meta):
        fields = [*CaseSubjectSerializer.Meta.fields, "matter"]


class CaseSerializer(RecordSerializer):
    number = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    subjects = CaseSubjectSerializerWithMatter(many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["id", "number", "number_year", "number_seq", "source", "category", "reporter_anonymous",
                  "reporter_name", "reporter_contact", "registered_by",
                  "township", "amount", "description", "received_on", "handler", "state", "state_label",
                  "pending_kind", "pending_target", "pending_by", "pending_at", "pending_data",
                  "due_date", "due_provisional", "due_kind", "investigation_due", "extension_count",
                  "verification_extensions", "investigation_extensions", "overdue",
                  "escalated", "disposition", "filed_on", "review_report",
                  "light_measure", "four_forms", "closed_on",
                  "subjects", "version", "available_transitions"]
        read_only_fields = fields


class CaseCreateSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=choices.Source.choices)
    category = serializers.ChoiceField(choices=choices.Category.choices)
    reporter_anonymous = serializers.BooleanField(required=False, default=False)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    reporter_contact = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    township = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(level=Region.Level.TOWNSHIP), required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, default=0)
    description = serializers.CharField()
    subjects = CaseSubjectSerializer(many=True, required=False)
    received_on = serializers.DateField(required=False, allow_null=True,
                                        help_text="A clue received on paper earlier: its real date (default today).")

    def validate_description(self, value):
        if len(value) > limit("MAX_TEXT_LENGTH"):
            raise serializers.ValidationError(_("内容不能超过 %(n)d 个字。") % {"n": limit("MAX_TEXT_LENGTH")})
        return value


class CaseViewSet(mixins.CreateModelMixin, RecordViewSet):
    """Clues and cases. Visible to discipline roles and (read-only, reporter masked) auditors."""

    model = Case
    serializer_class = CaseSerializer
    related = ("township", "handler", "pending_by")
    filterset_class = CaseFilter  # the same filters as the register page and its export

    def get_queryset(self):
        return super().get_queryset().prefetch_related("subjects__matter")

    def get_serializer_class(self):
        return CaseCreateSerializer if self.action == "create" else CaseSerializer

    @action(detail=True, methods=["post"], url_path="subjects")
    def add_subject(self, request, pk=None):
        """Add a person reported 被反映人 to an open case (handlers)."""
        case = self.get_object()
        data = CaseSubjectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subject = services.case_subject_add(actor=request.user, case=case, **data.validated_data)
        return Response(CaseSubjectSerializer(subject).data, status=status.HTTP_201_CREATED)

    def create(self, request, *args, **kwargs):
        services.require_right(request.user, Case, "create")
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_register(actor=request.user, **data.validated_data)
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseSerializer(case, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class TargetSerializer(serializers.ModelSerializer):
    """One target of a 问责 matter: its measure, execution and appeal."""

    name = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = AccountabilityTarget
        fields = ["id", "unit", "person", "name", "status", "status_label", "measure", "decided_on", "appeal_due",
                  "applied_on", "applied_note", "appealed_on", "reexam_due", "reexam_outcome", "reexamined_on",
                  "original_measure"]
        read_only_fields = fields


class MatterSerializer(RecordSerializer):
    target_unit_name = serializers.CharField(source="target_unit.name", read_only=True, default="")
    target_person_name = serializers.CharField(source="target_person.name", read_only=True, default="")
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = AccountabilityMatter
        fields = ["id", "target_unit", "target_unit_name", "target_person", "target_person_name", "targets",
                  "reason", "source_kind", "source_type", "source_id", "source_label", "opened_by", "handler",
                  "state", "state_label", "investigation_started_on", "pending_kind", "pending_by", "pending_at",
                  "pending_data", "decided_on", "decided_by", "closed_on", "created_at", "version",
                  "available_transitions"]
        read_only_fields = fields


class MatterCreateSerializer(serializers.Serializer):
    target_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    target_person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), required=False,
                                                       allow_null=True)
    units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True, required=False,
                                               help_text="Further units held accountable.")
    persons = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), many=True, required=False,
                                                 help_text="Further cadres held accountable.")
    reason = serializers.CharField()


class MatterViewSet(mixins.CreateModelMixin, RecordViewSet):
    """Accountability matters 问责 (opened by hand here, or referred by other workflows)."""

    model = AccountabilityMatter
    serializer_class = MatterSerializer
    related = ("target_unit", "target_person", "opened_by")
    filterset_fields = ("state", "source_kind")

    def get_queryset(self):
        return super().get_queryset().prefetch_related("targets__unit", "targets__person")

    def get_serializer_class(self):
        return MatterCreateSerializer if self.action == "create" else MatterSerializer

    def create(self, request, *args, **kwargs):
        services.require_right(request.user, AccountabilityMatter, "create")
        data = MatterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        matter, _created = services.accountability_open(actor=request.user, extra_units=d.pop("units", []),
                                                        extra_persons=d.pop("persons", []), **d)
        matter = self.get_queryset().get(pk=matter.pk)
        return Response(MatterSerializer(matter, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class SubjectMatterViewSet(RecordViewSet):
    """Per-subject matters of filed cases (``/api/v1/case-subjects/``): transitions as for cases."""

    model = SubjectMatter
    serializer_class = SubjectMatterSerializer
    related = ("case", "subject", "pending_by")
    filterset_fields = ("case", "state", "outcome", "four_forms", "transferred")
