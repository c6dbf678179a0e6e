from django.contrib.auth import authenticate, user_logged_in
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

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
