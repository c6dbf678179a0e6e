from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from supervision import registry

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("supervision.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (no inline script under the CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("supervision.urls")),
]
# Each workflow's pages, mounted at /<name>/.
urlpatterns += [path(f"{wf.name}/", include(wf.urls)) for wf in registry.workflows() if wf.urls]

handler404 = "supervision.views.not_found"
