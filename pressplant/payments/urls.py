from django.urls import URLPattern, URLResolver, path

from pressplant.payments import views

app_name = "payments"
urlpatterns: list[URLPattern | URLResolver] = [
    path("stripe/webhook", views.stripe_webhook, name="stripe-webhook"),
]
