"""The store's URLs with one more in front: /hello/, the benchmark's baseline (a plain Django view)."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from pressplant.urls import urlpatterns as store_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world\n", content_type="text/plain; charset=utf-8")


urlpatterns: list[URLPattern | URLResolver] = [path("hello/", hello), *store_urlpatterns]
