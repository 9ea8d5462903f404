from django.contrib import admin
from django.urls import include, path

from pressplant.storefront.downloads import download

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("pressplant.accounts.urls")),
    path("payments/", include("pressplant.payments.urls")),
    path("download/<str:token>", download, name="download"),
]
