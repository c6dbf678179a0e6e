"""URLs of the documents: pages under /records/…, API under /api/v1/<records>/…"""
from django.urls import path

from supervision import registry

from . import all_kinds, views

page_urlpatterns = [
    path("records/<str:key>/<str:pk>/documents/<slug:kind>.pdf", views.record_document, name="record-document"),
    path("records/<str:key>/documents/<slug:kind>.pdf", views.collection_document, name="collection-document"),
]


def api_urlpatterns():
    """``<records>/<id>/documents/<kind>.pdf`` (and ``<records>/documents/<kind>.pdf`` for
    collections) for each record type with an API and documents."""
    patterns = []
    for rt in registry.record_types():
        if not rt.api_basename:
            continue
        kinds = [k for k in all_kinds() if k.model._meta.label_lower == rt.key]
        if not kinds:
            continue
        if any(not k.collection for k in kinds):
            patterns.append(path(f"{rt.api_basename}/<str:pk>/documents/<slug:kind>.pdf",
                                 views.api_record_document(rt.key), name=f"api-{rt.api_basename}-document"))
        if any(k.collection for k in kinds):
            patterns.append(path(f"{rt.api_basename}/documents/<slug:kind>.pdf",
                                 views.api_collection_document(rt.key),
                                 name=f"api-{rt.api_basename}-collection-document"))
    return patterns
