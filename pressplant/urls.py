from django.contrib import admin
from django.urls import include, path

from pressplant.health.views import healthz, metrics, readyz
from pressplant.storefront.downloads import download
from pressplant.storefront.previews import preview

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("pressplant.accounts.urls")),
    path("payments/", include("pressplant.payments.urls")),
    path("download/<str:token>", download, name="download"),
    path("preview/<int:track_id>.mp3", preview, name="preview"),
    path("api/v1/", include("pressplant.api.urls")),
    path("", include("pressplant.storefront.urls")),
]
