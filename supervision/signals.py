"""Cross-workflow events. A workflow sends; another (if installed) receives. No imports between them.

``accountability_referred``: a record calls for an accountability matter (问责). Sent inside
the sender's transaction, so the receiver's rows commit or roll back with it. Arguments:
``source`` (the record), ``actor``, ``reason`` (str), ``target_unit`` (Unit | None),
``target_person`` (Person | None), ``source_kind`` (str, e.g. "notice_overdue", "recall").
Receivers return the matter they opened (or found already open).
"""
import django.dispatch

accountability_referred = django.dispatch.Signal()
