"""API v1: kernel endpoints plus every registered record type's viewset."""
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from supervision import registry
from supervision.documents.urls import api_urlpatterns as document_urlpatterns

from . import views


def build_router() -> DefaultRouter:
    router = DefaultRouter()
    for rt in registry.record_types():
        if rt.api_viewset is not None:
            router.register(rt.api_basename, rt.api_viewset, basename=rt.api_basename)
    for wf in registry.workflows():
        for prefix, viewset in wf.api_routes:
            router.register(prefix, viewset, basename=prefix)
    return router


urlpatterns = [
    path("auth/token/", views.token, name="api-token"),
    path("me/", views.me, name="api-me"),
    path("me/tasks/", views.my_tasks, name="api-my-tasks"),
    path("me/done/", views.my_done, name="api-my-done"),
    *document_urlpatterns(),
    path("", include(build_router().urls)),
]
