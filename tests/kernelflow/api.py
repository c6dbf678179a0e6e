from supervision.api.base import RecordSerializer, RecordViewSet

from .models import Widget


class WidgetSerializer(RecordSerializer):
    class Meta:
        model = Widget
        fields = ["id", "title", "township", "state", "version", "due_date", "secret", "available_transitions"]
        read_only_fields = ["state", "version"]


class WidgetViewSet(RecordViewSet):
    model = Widget
    serializer_class = WidgetSerializer
    filterset_fields = ("state", "township")
