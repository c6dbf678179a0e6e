from supervision.models import ReadAccess


def log_read(user, obj, via: str = "ui") -> ReadAccess:
    """Record that ``user`` opened confidential record ``obj`` (one row per opening)."""
    return ReadAccess.objects.create(user=user, record_type=obj._meta.label_lower, object_id=str(obj.pk), via=via)


def log_reads(user, objs, via: str = "export") -> int:
    """One ``ReadAccess`` row per record (e.g. every case in an export), in one query."""
    rows = [ReadAccess(user=user, record_type=o._meta.label_lower, object_id=str(o.pk), via=via) for o in objs]
    ReadAccess.objects.bulk_create(rows)
    return len(rows)
