"""The generic record API every workflow reuses (DESIGN §3.6).

``RecordViewSet`` gives list/retrieve scoped by the kernel's visibility function,
``available_transitions`` in each body, ``POST …/transitions/<name>/`` through the one
transition path, and ``GET …/history/``. A workflow subclasses it and sets the serializer
(and ``create`` when records are created through the API).
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from supervision import access, registry
from supervision.audit.readlog import log_read, log_read_ids
from supervision.audit.timeline import history_entries
from supervision.errors import Http404
from supervision.idempotency import IdempotentPostMixin
from supervision.transitions import available_transitions, run_transition


class DeadlineLightSerializer(serializers.Serializer):
    """A record's deadline as a traffic light (``supervision.deadlines.Light.as_dict``)."""

    due_date = serializers.DateField(allow_null=True)
    colour = serializers.ChoiceField(choices=["green", "amber", "red"], allow_null=True,
                                     help_text="green: on track; amber: within the reminder window; red: overdue; "
                                               "null: no running deadline.")
    colour_label = serializers.CharField(allow_null=True)
    text = serializers.CharField(allow_null=True, help_text="Working days left or overdue by, in words.")
    working_days_left = serializers.IntegerField(allow_null=True)
    overdue_working_days = serializers.IntegerField(allow_null=True)
    provisional = serializers.BooleanField()
    provisional_reason = serializers.CharField(allow_null=True)


@extend_schema_field(DeadlineLightSerializer(allow_null=True))
class DeadlineField(serializers.Field):
    """The one API field for a deadline's traffic light (read-only, from the whole record)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, obj):
        from supervision import deadlines

        rt = registry.for_model(obj)
        if not rt.due_field:
            return None
        request = self.context.get("request")
        return deadlines.light(obj, rt, calendar=deadlines.calendar_for(request)).as_dict()


class HandlerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class RecordSerializer(serializers.ModelSerializer):
    """Adds ``state``/``available_transitions``/``version``, the deadline's traffic light
    (``deadline``, when the record type has a due field) and masks confidential fields."""

    available_transitions = serializers.SerializerMethodField()
    deadline = DeadlineField()

    def get_field_names(self, declared_fields, info):
        names = list(super().get_field_names(declared_fields, info))
        if "deadline" not in names and registry.for_model(self.Meta.model).due_field:
            names.append("deadline")
        return names

    def get_available_transitions(self, obj) -> list[str]:
        request = self.context.get("request")
        return available_transitions(obj, request.user) if request else []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        rt = registry.for_model(instance)
        if request is not None:
            if rt.confidential:  # every confidential record the API returns is logged (one row per request)
                log_read_ids(request.user, rt.key, [instance.pk], via="api", request=request, check=False)
            if rt.masked_fields and not access.unmasked(request.user, instance):
                for name in rt.masked_fields:
                    if name in data:
                        data[name] = access.MASK
        return data


class HandlerRequestSerializer(serializers.Serializer):
    handler = serializers.IntegerField(required=False, help_text="assign: the new handler's user id.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TransitionRequestSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, help_text="Reason / opinion (required by most transitions)."
    )
    version = serializers.IntegerField(required=False, help_text="Optional: the version you read; 409 if stale.")


class HistoryPartSerializer(serializers.Serializer):
    model = serializers.CharField(help_text="The part's model, e.g. notices.noticeresponse.")
    label = serializers.CharField(help_text="What the part is (整改报告, 延期申请, 附件 …).")
    id = serializers.CharField()
    name = serializers.CharField(help_text="The part object's name.")


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    date = serializers.DateTimeField()
    when = serializers.CharField(help_text="Local time (Asia/Shanghai) to the minute; seconds where two entries "
                                           "share a minute.")
    part = HistoryPartSerializer(allow_null=True, help_text="The part this change concerns; null: the record.")
    user = serializers.CharField()
    username = serializers.CharField()
    type = serializers.CharField()
    transition = serializers.CharField()
    transition_label = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    from_label = serializers.CharField()
    to_label = serializers.CharField()
    reason = serializers.CharField()
    changes = serializers.ListField(child=serializers.DictField())
    via = serializers.CharField(help_text="Channel (ui, api, admin, system, command); auditors only.")
    via_label = serializers.CharField()
    client_ip = serializers.CharField(help_text="Client address; auditors only.")
    request_id = serializers.CharField(help_text="Request id (X-Request-ID); auditors only.")
    hash = serializers.CharField()


class RecordViewSet(IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = None
    lookup_value_regex = r"[0-9]+"  # record ids are integers: anything else is a 404 from the router
    related: tuple[str, ...] = ()
    filterset_fields: tuple[str, ...] = ()

    @property
    def rt(self) -> registry.RecordType:
        return registry.for_model(self.model)

    def get_queryset(self):
        qs = access.with_scope_related(access.visible(self.request.user, self.model), self.rt)
        if self.related:
            qs = qs.select_related(*self.related)
        if self.rt.due_field and self.action == "list":
            from supervision import deadlines

            colour = deadlines.colour_param(self.request.query_params)
            if colour:
                qs = deadlines.filter_by_colour(qs, colour)
        return qs.order_by("-pk")

    @extend_schema(parameters=[OpenApiParameter(
        "light", str, enum=["green", "amber", "red"],
        description="Records whose deadline's traffic light is this colour (record types with a deadline).")])
    def list(self, request, *args, **kwargs):
        """A user holding no role that may see this record type gets 404, not an empty list:
        even the existence of, say, case files stays hidden."""
        if not access.can_anywhere(request.user, self.rt, "view") and not self._about_themselves(request.user):
            raise Http404
        return super().list(request, *args, **kwargs)

    def _about_themselves(self, user) -> bool:
        return bool(self.rt.person_lookup and getattr(user, "person_id", None)
                    and access.visible(user, self.model).exists())

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        if self.rt.confidential:
            log_read(request.user, obj, via="api", request=request)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=TransitionRequestSerializer, responses={
        200: OpenApiResponse(description="The record after the transition."),
        400: OpenApiResponse(description="Invalid input or unknown transition."),
        403: OpenApiResponse(description="Your role may not do this."),
        404: OpenApiResponse(description="Not visible to you."),
        409: OpenApiResponse(description="Not allowed from the current state, or lost to a concurrent change."),
    })
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def transitions(self, request, pk=None, name=None):
        version = request.data.get("version")
        if version not in (None, ""):
            try:
                version = int(version)
            except (TypeError, ValueError):
                raise serializers.ValidationError({"version": ["must be an integer"]}) from None
        else:
            version = None
        ctx = run_transition(model=self.model, pk=pk, name=name, actor=request.user,
                             comment=request.data.get("comment", ""), data=request.data, files=request.FILES,
                             version=version)
        obj = self.get_queryset().filter(pk=ctx.obj.pk).first()
        if obj is None:  # done, and no longer the actor's to see (e.g. recused 回避)
            return Response({"id": ctx.obj.pk, "state": getattr(ctx.obj, self.rt.state_field), "visible": False})
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=HandlerRequestSerializer, responses={
        200: OpenApiResponse(description="The record's handler after the change (null when released)."),
        400: OpenApiResponse(description="The new handler is not eligible, or invalid input."),
        403: OpenApiResponse(description="You may not take, assign or release this record."),
        404: OpenApiResponse(description="Not visible to you."),
        409: OpenApiResponse(description="Already held, or nobody holds it."),
    })
    @action(detail=True, methods=["post"], url_path=r"handler/(?P<op>(?:take|assign|release))")
    def handler(self, request, pk=None, op=None):
        """承办人: take (由我办理), assign / re-assign (``handler``: a user id), release."""
        from supervision import handlers

        ser = HandlerRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        reason = ser.validated_data.get("reason", "")
        if op == "take":
            obj = handlers.handler_take(actor=request.user, model=self.model, pk=pk, reason=reason)
        elif op == "assign":
            if ser.validated_data.get("handler") is None:
                raise serializers.ValidationError({"handler": [_("请选择承办人。")]})
            obj = handlers.handler_assign(actor=request.user, model=self.model, pk=pk,
                                          handler_id=ser.validated_data["handler"], reason=reason)
        else:
            obj = handlers.handler_release(actor=request.user, model=self.model, pk=pk, reason=reason)
        current = handlers.current_handler(obj)
        return Response({"handler": None if current is None else {
            "id": current.pk, "username": current.username, "name": current.display_name()}})

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        obj = self.get_object()
        if self.rt.confidential:
            log_read(request.user, obj, via="api", request=request)
        return Response(HistoryEntrySerializer(history_entries(obj, request.user), many=True).data)
