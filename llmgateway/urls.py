"""URL map: each app owns its routes; the landing page, docs and health live here."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

import llmgateway.openapi  # noqa: F401  (registers the API-key security scheme)
from llmgateway.views import landing_view
from metrics.health import HealthView

admin.site.site_header = "LLM Gateway"
admin.site.site_title = "LLM Gateway"
admin.site.index_title = "Site administration"
admin.site.site_url = "/"

handler400 = "core.errors.handler400"
handler403 = "core.errors.handler403"
handler404 = "core.errors.handler404"
handler500 = "core.errors.handler500"

urlpatterns = [
    path("", landing_view, name="landing"),
    path("health", HealthView.as_view(), name="health"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("conversations.urls")),
    path("", include("routing.urls")),
    path("", include("metrics.urls")),
    path("", include("compat.urls")),
]
