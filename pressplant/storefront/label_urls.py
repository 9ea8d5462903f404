"""The label pages, under /label/ (included by storefront.urls, so their names are storefront:label_*)."""

from django.urls import URLPattern, path

from pressplant.storefront import labels

urlpatterns: list[URLPattern] = [
    path("", labels.label_home, name="label_home"),
    path("<int:label_id>/", labels.label_dashboard, name="label_dashboard"),
    path("<int:label_id>/statements/<str:period>/<slug:payee_code>.<str:kind>", labels.label_statement,
         name="label_statement"),
    path("<int:label_id>/dsr/<str:period>.tsv", labels.label_dsr_file, name="label_dsr"),
    path("<int:label_id>/sales/<str:period>.csv", labels.label_sales_file, name="label_sales_report"),
    path("<int:label_id>/deliveries/", labels.label_deliveries, name="label_deliveries"),
]
