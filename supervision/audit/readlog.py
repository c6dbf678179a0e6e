from supervision.models import ReadAccess


def log_read(user, obj, via: str = "ui") -> ReadAccess:
    """Record that ``user`` opened confidential record ``obj`` (one row per opening)."""
    return ReadAccess.objects.create(user=user, record_type=obj._meta.label_lower, object_id=str(obj.pk), via=via)
