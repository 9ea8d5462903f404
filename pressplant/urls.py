from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("pressplant.accounts.urls")),
    path("payments/", include("pressplant.payments.urls")),
]
