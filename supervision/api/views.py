from django.contrib.auth import authenticate, user_logged_in
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from supervision.api.base import DeadlineLightSerializer, HandlerSerializer
from supervision.models import Region
from supervision.signin import locked_message


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


@extend_schema(request=TokenRequestSerializer,
               responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}))
@api_view(["POST"])
@permission_classes([AllowAny])
def token(request):
    """Username + password → API token (failed attempts throttled like the login page)."""
    ser = TokenRequestSerializer(data=request.data)
    ser.is_valid(raise_exception=True)
    django_request = request._request
    user = authenticate(django_request, username=ser.validated_data["username"],
                        password=ser.validated_data["password"])
    if user is None or not user.is_active:
        until = getattr(django_request, "signin_locked_until", None)
        if until is not None:
            return Response({"detail": locked_message(until), "locked_until": until.isoformat()},
                            status=status.HTTP_429_TOO_MANY_REQUESTS,
                            headers={"Retry-After": str(max(1, int((until - timezone.now()).total_seconds())))})
        return Response({"detail": _("用户名或密码错误。")}, status=status.HTTP_400_BAD_REQUEST)
    user_logged_in.send(sender=user.__class__, request=django_request, user=user)  # axes: give back reservations
    tok, _created = Token.objects.get_or_create(user=user)
    return Response({"token": tok.key})


@extend_schema(responses=inline_serializer("Me", {
    "id": serializers.IntegerField(), "username": serializers.CharField(), "name": serializers.CharField(),
    "roles": serializers.ListField(child=serializers.DictField()),
}))
@api_view(["GET"])
def me(request):
    """The current user, its roles and scopes."""
    user = request.user
    assignments = user.role_assignments.select_related("region").order_by("role")
    roles = []
    for a in assignments:
        county_wide = a.region is None or a.region.level == Region.Level.COUNTY
        roles.append({
            "role": a.role,
            "label": a.get_role_display(),
            "scope": "county" if county_wide else "township",
            "region": None if a.region is None else {"id": a.region_id, "code": a.region.code, "name": a.region.name},
        })
    return Response({"id": user.pk, "username": user.username, "name": user.display_name(), "roles": roles})


class TaskItemSerializer(serializers.Serializer):
    record_type = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    workflow = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    transitions = serializers.ListField(child=serializers.CharField())
    handler = HandlerSerializer(allow_null=True)
    deadline = DeadlineLightSerializer(allow_null=True)


class DoneItemSerializer(TaskItemSerializer):
    transitions = None
    last_at = serializers.DateTimeField()
    last_operation = serializers.CharField()
    last_operation_label = serializers.CharField()


def _user_dict(user):
    return None if user is None else {"id": user.pk, "username": user.username, "name": user.display_name()}


def _item_dict(item) -> dict:
    obj, rt = item.obj, item.rt
    state = getattr(obj, rt.state_field)
    getter = getattr(obj, f"get_{rt.state_field}_display", None)
    return {
        "record_type": rt.key, "id": obj.pk, "title": str(obj), "url": obj.get_absolute_url(),
        "workflow": item.workflow.name if item.workflow else "", "state": state,
        "state_label": str(getter()) if getter else state,
        "handler": _user_dict(item.handler),
        "deadline": item.light.as_dict() if item.light is not None else None,
    }


class TaskPagination(PageNumberPagination):
    page_size = 30
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema(
    parameters=[OpenApiParameter("part", str, enum=["mine", "claimable"], description="指派给我 or 待认领"),
                OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
    responses={200: inline_serializer("TaskPage", {
        "count": serializers.IntegerField(), "mine_count": serializers.IntegerField(),
        "claimable_count": serializers.IntegerField(), "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True), "results": TaskItemSerializer(many=True)}),
        400: OpenApiResponse(description="Invalid part."), 404: OpenApiResponse(description="No such page.")})
@api_view(["GET"])
def my_tasks(request):
    """我的待办: ``part=mine`` (指派给我, the default) or ``part=claimable`` (待认领), most urgent first."""
    from supervision.inbox import inbox_for

    part = request.query_params.get("part") or "mine"
    if part not in ("mine", "claimable"):
        raise serializers.ValidationError({"part": [_("应为 mine 或 claimable。")]})
    inbox = inbox_for(request.user, request=request)
    items = inbox.mine if part == "mine" else inbox.claimable
    paginator = TaskPagination()
    page = paginator.paginate_queryset(items, request)
    rows = []
    for item in page:
        row = _item_dict(item)
        row["transitions"] = item.transitions
        rows.append(row)
    response = paginator.get_paginated_response(rows)
    response.data["mine_count"] = len(inbox.mine)
    response.data["claimable_count"] = len(inbox.claimable)
    return response


@extend_schema(
    parameters=[OpenApiParameter("workflow", str), OpenApiParameter("state", str),
                OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE),
                OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
    responses={200: inline_serializer("DonePage", {
        "count": serializers.IntegerField(), "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True), "results": DoneItemSerializer(many=True)}),
        400: OpenApiResponse(description="Invalid filter (workflow, state, dates)."),
        404: OpenApiResponse(description="No such page.")})
@api_view(["GET"])
def my_done(request):
    """已办: records this user has acted on, newest action first, with current state and handler."""
    from supervision.inbox import attach_handlers, done_for
    from supervision.views import done_query

    items = done_for(request.user, done_query(request.query_params), request=request)
    paginator = TaskPagination()
    page = paginator.paginate_queryset(items, request)
    attach_handlers(page)
    rows = []
    for item in page:
        row = _item_dict(item)
        row.update(last_at=item.last_at, last_operation=item.last_operation,
                   last_operation_label=item.last_operation_label)
        rows.append(row)
    return paginator.get_paginated_response(DoneItemSerializer(rows, many=True).data)
