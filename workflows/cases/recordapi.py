"""API of 留置 (``/api/v1/detentions/``: a record of its own, on the kernel's RecordViewSet with its
transition endpoint) and of the records of the work (``/api/v1/inquiry-letters/``,
``/api/v1/case-talks/``, ``/api/v1/case-evidence/``): listed, read, added and corrected by those
who may see / handle their case; every read is logged as a read of the case."""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from supervision import access, registry
from supervision.api.base import RecordSerializer, RecordViewSet
from supervision.audit.readlog import log_read, log_read_ids
from supervision.errors import Http404
from supervision.idempotency import IdempotentPostMixin
from supervision.models import Attachment

from . import recordservices
from .custody import Detention
from .models import Case
from .workrecords import EvidenceItem, EvidenceKind, InquiryConclusion, InquiryLetter, Talk

# --- 留置 ------------------------------------------------------------------------------------------


class DetentionSerializer(RecordSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    notified_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = Detention
        fields = ["id", "case", "case_number", "subject", "subject_name", "state", "state_label", "grounds",
                  "pending_kind", "pending_by", "pending_at", "pending_data", "approved_on", "started_at", "place",
                  "notify_due_at", "family_notified", "unit_notified", "notified_at", "not_notified_reason",
                  "notified_late", "extended_months", "extended_on", "due_date", "overdue", "released_at",
                  "release_reason", "version", "available_transitions"]
        read_only_fields = fields


class DetentionCreateSerializer(serializers.Serializer):
    subject = serializers.IntegerField(help_text="The subject (被审查调查人, a case subject's id) to detain.")
    grounds = serializers.CharField(help_text="留置理由.")


class DetentionViewSet(mixins.CreateModelMixin, RecordViewSet):
    """留置 of subjects of filed cases: proposed here (POST), then ``transitions/<name>/``."""

    model = Detention
    serializer_class = DetentionSerializer
    related = ("case__handler", "subject", "pending_by")
    filterset_fields = ("case", "subject", "state", "overdue")

    def get_serializer_class(self):
        return DetentionCreateSerializer if self.action == "create" else DetentionSerializer

    @extend_schema(request=DetentionCreateSerializer, responses={201: DetentionSerializer})
    def create(self, request, *args, **kwargs):
        if not access.can_anywhere(request.user, self.rt, "view"):
            raise Http404
        data = DetentionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = recordservices.detention_propose(actor=request.user, subject_id=data.validated_data["subject"],
                                             grounds=data.validated_data["grounds"])
        d = self.get_queryset().get(pk=d.pk)
        return Response(DetentionSerializer(d, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


# --- records of the work ---------------------------------------------------------------------------


class AttachmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()


class _PartSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    attachments = serializers.SerializerMethodField()

    @extend_schema_field(AttachmentRefSerializer(many=True))
    def get_attachments(self, obj):
        files = self.context.get("attachments")
        if files is None:
            rows = Attachment.objects.filter(record_type="cases.case", object_id=str(obj.case_id),
                                             part=obj.attachment_part)
        else:
            rows = files.get(obj.attachment_part, [])
        return AttachmentRefSerializer(rows, many=True).data


class InquiryLetterSerializer(_PartSerializer):
    class Meta:
        model = InquiryLetter
        fields = ["id", "case", "case_number", "sent_on", "letter_text", "reply_on", "reply_text", "conclusion",
                  "concluded_on", "recorded_by", "created_at", "attachments"]
        read_only_fields = fields


class TalkSerializer(_PartSerializer):
    class Meta:
        model = Talk
        fields = ["id", "case", "case_number", "held_on", "present", "summary", "recorded_by", "created_at",
                  "attachments"]
        read_only_fields = fields


class EvidenceItemSerializer(_PartSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = EvidenceItem
        fields = ["id", "case", "case_number", "item", "kind", "kind_label", "source", "obtained_on",
                  "recorded_by", "created_at", "attachments"]
        read_only_fields = fields


class InquiryLetterInput(serializers.Serializer):
    case = serializers.IntegerField(help_text="The clue in 谈话函询.")
    sent_on = serializers.DateField()
    letter_text = serializers.CharField()
    attachment = serializers.FileField(required=False)


class InquiryLetterChange(serializers.Serializer):
    sent_on = serializers.DateField(required=False)
    letter_text = serializers.CharField(required=False)
    reply_on = serializers.DateField(required=False, help_text="The reply: its date and text, recorded together.")
    reply_text = serializers.CharField(required=False)
    attachment = serializers.FileField(required=False)


class InquiryConclusionInput(serializers.Serializer):
    conclusion = serializers.ChoiceField(choices=InquiryConclusion.choices, help_text=(
        "accepted: the clue is closed (了结, the case's close transition); verify: a disposition proposal "
        "to 初步核实 for a head's approval."))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TalkInput(serializers.Serializer):
    case = serializers.IntegerField()
    held_on = serializers.DateField()
    present = serializers.CharField(max_length=500)
    summary = serializers.CharField()
    attachment = serializers.FileField(required=False)


class TalkChange(serializers.Serializer):
    held_on = serializers.DateField(required=False)
    present = serializers.CharField(required=False, max_length=500)
    summary = serializers.CharField(required=False)
    attachment = serializers.FileField(required=False)


class EvidenceInput(serializers.Serializer):
    case = serializers.IntegerField()
    item = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    source = serializers.CharField(max_length=200)
    obtained_on = serializers.DateField()
    attachment = serializers.FileField(required=False)


class EvidenceChange(serializers.Serializer):
    item = serializers.CharField(required=False, max_length=200)
    kind = serializers.ChoiceField(required=False, choices=EvidenceKind.choices)
    source = serializers.CharField(required=False, max_length=200)
    obtained_on = serializers.DateField(required=False)
    attachment = serializers.FileField(required=False)


class CasePartViewSet(IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """A record of the work on a case: seen where its case is seen (reads logged as reads of the
    case), added (POST) and corrected (PATCH) by the case's handlers."""

    model = None
    input_serializer = None
    change_serializer = None
    add = None
    change = None
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        cases = access.visible(self.request.user, Case).values("pk")
        qs = self.model.objects.filter(case__in=cases).select_related("case").order_by("-pk")
        case = self.request.query_params.get("case", "")
        if self.action == "list" and case:
            if not case.isdigit():
                raise serializers.ValidationError({"case": [_("请填写线索/案件的编号（数字）。")]})
            qs = qs.filter(case_id=int(case))
        return qs

    def _case_readable(self, request) -> None:
        if not access.can_anywhere(request.user, registry.for_model(Case), "view"):
            raise Http404

    def _files(self, items) -> dict:
        found: dict = {}
        items = list(items)
        if items:
            rows = Attachment.objects.filter(record_type="cases.case",
                                             object_id__in={str(o.case_id) for o in items},
                                             part__in=[o.attachment_part for o in items])
            for a in rows:
                found.setdefault(a.part, []).append(a)
        return found

    def list(self, request, *args, **kwargs):
        self._case_readable(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        items = list(page if page is not None else self.get_queryset())
        log_read_ids(request.user, "cases.case", sorted({o.case_id for o in items}), via="api", request=request,
                     check=False)
        data = self.get_serializer(items, many=True, context={**self.get_serializer_context(),
                                                              "attachments": self._files(items)}).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        self._case_readable(request)
        obj = self.get_object()
        log_read(request.user, obj.case, via="api", request=request)
        return Response(self.get_serializer(obj).data)

    def _respond(self, obj, code=status.HTTP_200_OK):
        obj = self.model.objects.select_related("case").get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)

    def create(self, request, *args, **kwargs):
        self._case_readable(request)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case_id = values.pop("case")
        obj = type(self).add(actor=request.user, case_id=case_id, **values)
        return self._respond(obj, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        self._case_readable(request)
        obj = self.get_object()
        data = self.change_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = type(self).change(actor=request.user, pk=obj.pk, **data.validated_data)
        return self._respond(obj)


class InquiryLetterViewSet(CasePartViewSet):
    """函询 letters and their replies (``conclusion/``: accepted → 了结, verify → 初步核实 proposed)."""

    model = InquiryLetter
    serializer_class = InquiryLetterSerializer
    input_serializer = InquiryLetterInput
    change_serializer = InquiryLetterChange
    add = staticmethod(recordservices.inquiry_letter_add)
    change = staticmethod(recordservices.inquiry_letter_update)

    @extend_schema(request=InquiryLetterInput, responses={201: InquiryLetterSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=InquiryLetterChange, responses={200: InquiryLetterSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=InquiryConclusionInput, responses={200: InquiryLetterSerializer})
    @action(detail=True, methods=["post"])
    def conclusion(self, request, pk=None):
        self._case_readable(request)
        obj = self.get_object()
        data = InquiryConclusionInput(data=request.data)
        data.is_valid(raise_exception=True)
        obj = recordservices.inquiry_letter_conclude(actor=request.user, pk=obj.pk, **data.validated_data)
        return self._respond(obj)


class TalkViewSet(CasePartViewSet):
    """谈话 records."""

    model = Talk
    serializer_class = TalkSerializer
    input_serializer = TalkInput
    change_serializer = TalkChange
    add = staticmethod(recordservices.talk_add)
    change = staticmethod(recordservices.talk_update)

    @extend_schema(request=TalkInput, responses={201: TalkSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=TalkChange, responses={200: TalkSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


class EvidenceViewSet(CasePartViewSet):
    """The evidence list 证据清单 of a case."""

    model = EvidenceItem
    serializer_class = EvidenceItemSerializer
    input_serializer = EvidenceInput
    change_serializer = EvidenceChange
    add = staticmethod(recordservices.evidence_add)
    change = staticmethod(recordservices.evidence_update)

    @extend_schema(request=EvidenceInput, responses={201: EvidenceItemSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=EvidenceChange, responses={200: EvidenceItemSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


API_ROUTES = [("inquiry-letters", InquiryLetterViewSet), ("case-talks", TalkViewSet),
              ("case-evidence", EvidenceViewSet)]
