from django.urls import URLPattern, URLResolver, include, path

from pressplant.storefront import purchases, topup, views, wallet

app_name = "storefront"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("artists/", views.artists, name="artists"),
    path("artists/<int:artist_id>/", views.artist, name="artist"),
    path("labels/", views.labels, name="labels"),
    path("labels/<int:label_id>/", views.label, name="label"),
    path("genres/", views.genres, name="genres"),
    path("genres/<str:name>/", views.genre, name="genre"),
    path("search/", views.search, name="search"),
    path("releases/<int:release_id>/", views.release, name="release"),
    path("covers/<int:release_id>.jpg", views.cover, name="cover"),
    path("buy/", purchases.buy, name="buy"),
    path("library/", purchases.library, name="library"),
    path("orders/<int:order_id>/", purchases.receipt, name="receipt"),
    path("wallet/", wallet.wallet, name="wallet"),
    path("wallet/top-up/", topup.top_up, name="top_up"),
    path("label/", include("pressplant.storefront.label_urls")),
    path("language/", views.language, name="language"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("i18n/", include("django.conf.urls.i18n")),
]
