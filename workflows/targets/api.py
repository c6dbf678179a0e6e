"""/api/v1/<register>/ for each register (DESIGN §3.6): list (scoped, filterable), retrieve,
transitions and history from the kernel's RecordViewSet, create through the register's
service, and /api/v1/targets-board/ for the board."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from supervision.api.base import RecordSerializer, RecordViewSet
from supervision.errors import Http404


def _as_form_data(data):
    if hasattr(data, "getlist"):
        return data
    from django.utils.datastructures import MultiValueDict

    out = MultiValueDict()
    for k, v in dict(data).items():
        if isinstance(v, list):
            out.setlist(k, [str(x) for x in v])
        elif v is not None:
            out[k] = v
    return out


def _serializer_for(reg):
    model = reg.model
    names = ["id"] + [f.name for f in model._meta.concrete_fields if f.name not in ("id",)]
    attrs = {
        "state_label": serializers.CharField(source="get_state_display", read_only=True),
        "Meta": type(
            "Meta",
            (),
            {
                "model": model,
                "fields": [*names, "state_label", "available_transitions"],
                "read_only_fields": [*names, "state_label"],
            },
        ),
    }
    if reg.place == "village":
        attrs["village_name"] = serializers.CharField(source="village.name", read_only=True)
        attrs["township"] = serializers.IntegerField(source="village.parent_id", read_only=True)
        attrs["Meta"].fields = [*attrs["Meta"].fields, "village_name", "township"]
    return type(f"{model.__name__}Serializer", (RecordSerializer,), attrs)


def viewset_for(reg):
    from . import filters, selectors, services

    serializer = _serializer_for(reg)

    def get_queryset(self):  # filtered by filterset_class: the register page's and the export's filters
        return selectors.register_rows(user=self.request.user, reg=reg).order_by("-pk")

    @extend_schema(request=serializers.DictField(), responses={201: serializer})
    def create(self, request, *args, **kwargs):
        obj = services.record_create(actor=request.user, key=reg.key, data=_as_form_data(request.data))
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    return type(
        f"{reg.model.__name__}ViewSet",
        (mixins.CreateModelMixin, RecordViewSet),
        {
            "model": reg.model,
            "serializer_class": serializer,
            "filterset_class": filters.FILTERSETS[reg.key],
            "get_queryset": get_queryset,
            "create": create,
            "__doc__": f"{reg.model._meta.verbose_name} ({reg.key})",
        },
    )


@extend_schema(
    parameters=[OpenApiParameter("year", int), OpenApiParameter("township", int)],
    responses={200: serializers.DictField()},
)
@api_view(["GET"])
def board(request):
    """The targets board: per township and village, each target's status and gap for a year."""
    from . import evaluate, views

    if not evaluate.villages_visible(request.user).exists() and not views.may_view(request.user):
        raise Http404
    year = views.year_param(request.query_params.get("year"))
    township = request.query_params.get("township", "")
    data = evaluate.board_for(user=request.user, year=year, township_id=int(township) if township.isdigit() else None)
    return Response(
        {
            "year": data.year,
            "as_of": data.as_of,
            "in_progress": data.in_progress,
            "generated_at": timezone.now(),
            "townships": [
                {
                    "id": t.township.pk,
                    "name": t.township.name,
                    "shop": {"status": t.shop.status, "gap": t.shop.gap},
                    "villages": [
                        {
                            "id": v.village.pk,
                            "name": v.village.name,
                            "poor": v.village.is_poor_village,
                            "targets": {k: {"status": c.status, "gap": c.gap} for k, c in v.ordered()},
                        }
                        for v in t.villages
                    ],
                }
                for t in data.towns
            ],
        }
    )
