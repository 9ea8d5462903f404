"""The catalogue pages: what a visitor finds on the home page, by browsing, by searching, and on a release."""

from __future__ import annotations

import hashlib
import html
import re
import urllib.robotparser
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pressplant.accounts.models import Customer
from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Artist, Label, Master, Release, Track
from pressplant.orders.models import Order
from pressplant.pricing.models import PriceRule


def _text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


@pytest.mark.django_db
def test_the_home_page_lists_the_new_release(tracks: list[Track]) -> None:
    page = _text(Client().get(reverse("storefront:home")))
    release = Release.objects.get()
    assert "Cache Songs" in page and "The Encoders" in page
    assert reverse("storefront:release", args=[release.pk]) in page


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["cache songs", "GBXYZ2600002", "5710261026118", "encoders"])
def test_search_finds_the_release_by_title_isrc_upc_and_artist(tracks: list[Track], query: str) -> None:
    page = _text(Client().get(reverse("storefront:search"), {"q": query}))
    assert reverse("storefront:release", args=[Release.objects.get().pk]) in page


@pytest.mark.django_db
def test_a_search_with_no_match_says_so(tracks: list[Track]) -> None:
    page = _text(Client().get(reverse("storefront:search"), {"q": "GBXYZ2699999"}))
    assert "No release matches" in page and "Cache Songs" not in page


@pytest.mark.django_db
def test_browsing_by_artist_label_and_genre_leads_to_the_release(tracks: list[Track]) -> None:
    Release.objects.update(genre="Electronic")
    release_url = reverse("storefront:release", args=[Release.objects.get().pk])
    client = Client()
    artist, label = Artist.objects.get(name="The Encoders"), Label.objects.get(name="Cache Records")
    for index, entry in (("storefront:artists", reverse("storefront:artist", args=[artist.pk])),
                         ("storefront:labels", reverse("storefront:label", args=[label.pk])),
                         ("storefront:genres", reverse("storefront:genre", args=["Electronic"]))):
        assert entry in _text(client.get(reverse(index)))
        assert release_url in _text(client.get(entry))


@pytest.mark.django_db
def test_the_release_page_shows_every_format_with_size_and_price_and_the_durations(tracks: list[Track]) -> None:
    release = Release.objects.get()
    page = _text(Client().get(reverse("storefront:release", args=[release.pk])))
    formats_table = page.split('class="stack formats"')[1]
    for fmt in FORMATS.values():
        row = re.search(rf"{re.escape(html.escape(fmt.title))}.*?</tr>", formats_table, re.S)
        assert row, fmt.name
        assert re.search(r"\d+\.\d MB", row.group()) and re.search(r"\d+\.\d\d GBP", row.group()), row.group()
    assert "estimated" in formats_table  # nothing encoded yet: every size is an estimate
    assert page.count(">0:01<") == 3  # three one-second tracks, as m:ss
    assert page.count('action="/buy/"') == len(FORMATS) + 3  # a Buy for every format, and for each track
    assert "Cover of Cache Songs by The Encoders" in page
    assert page.count("<audio controls") == 3 and f'src="/preview/{tracks[0].pk}.mp3"' in page


@pytest.mark.django_db
def test_the_cover_is_served_as_an_image(tracks: list[Track]) -> None:
    release = Release.objects.get()
    response: Any = Client().get(reverse("storefront:cover", args=[release.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("image/")
    assert b"".join(response.streaming_content) == release.cover_bytes()


@pytest.mark.django_db
def test_pages_speak_russian_when_the_browser_asks(tracks: list[Track]) -> None:
    page = Client().get(reverse("storefront:home"), headers={"Accept-Language": "ru"}).content.decode()
    assert '<html lang="ru">' in page
    client = Client()
    client.post(reverse("storefront:set_language"), {"language": "ru", "next": "/"})
    assert '<html lang="ru">' in client.get(reverse("storefront:home")).content.decode()


@pytest.mark.django_db
def test_the_sign_in_page_wears_the_store_header() -> None:
    page = _text(Client().get(reverse("accounts:login")))
    assert "Pressplant" in page and reverse("storefront:search") in page


@pytest.mark.django_db
def test_search_results_come_a_page_at_a_time_newest_first() -> None:
    for number in range(1, 51):
        Release.objects.create(title=f"Harbour {number:02d}", artist_display="The Tides")
    Release.objects.create(title="Harbour Quarantined", artist_display="The Tides", status="quarantined",
                           quarantine_reason="master failed verification")
    first = _text(Client().get(reverse("storefront:search"), {"q": "harbour tides"}))
    second = _text(Client().get(reverse("storefront:search"), {"q": "harbour tides", "page": 2}))
    titles = [re.findall(r'<span class="title">Harbour (\d+)</span>', page) for page in (first, second)]
    assert titles[0] == [f"{n:02d}" for n in range(50, 2, -1)] and titles[1] == ["02", "01"]
    assert 'href="/search/?q=harbour%20tides&amp;page=2" rel="next"' in first and 'rel="prev"' not in first
    assert 'href="/search/?q=harbour%20tides&amp;page=1" rel="prev"' in second and 'rel="next"' not in second
    assert "Quarantined" not in first + second


def _album(title: str, track_count: int) -> Release:
    release = Release.objects.create(title=title, artist_display="The Counters",
                                     label=Label.objects.get_or_create(name="Count Records")[0])
    for position in range(1, track_count + 1):
        master = Master.objects.create(
            sha256=hashlib.sha256(f"{title} {position}".encode()).hexdigest(), storage_key=f"m/{title}{position}.flac",
            original_name="m.flac", size_bytes=1_000_000, codec="FLAC", container="flac", sample_rate_hz=44_100,
            bit_depth=16, channels=2, duration_samples=44_100 * 200, integrated_lufs=-14.0, true_peak_dbtp=-1.0,
            probe={"audio_bytes": 999_000})
        Track.objects.create(release=release, position=position, title=f"Song {position}",
                             artist_display="The Counters", master=master, duration_ms=200_000)
    return release


@pytest.mark.django_db
def test_a_release_page_reads_the_database_as_often_for_twelve_tracks_as_for_two(settings: Any) -> None:
    settings.PRESSPLANT_PAGE_CACHE_SECONDS = 0
    pages = {}
    for release in (_album("Short", 2), _album("Long", 12)):
        url = reverse("storefront:release", args=[release.pk])
        Client().get(url)  # the first view makes the label's payee
        with CaptureQueriesContext(connection) as queries:
            page = _text(Client().get(url))
        pages[release.title] = (len(queries), page.count("<audio controls"))
    assert pages["Short"][1] == 2 and pages["Long"][1] == 12
    assert pages["Short"][0] == pages["Long"][0] <= 12, pages


def _track_form(page: str, method: str) -> dict[str, str]:
    """The first track's Buy form: its fields (name -> value)."""
    form = re.search(rf'<form method="{method}" action="/buy/" class="inline-buy">(.*?)</form>', page, re.S)
    assert form, f"no Buy form ({method}) for a track"
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(1)))


@pytest.mark.django_db
def test_a_visitor_gets_the_kept_page_as_kept_with_nothing_to_post(tracks: list[Track]) -> None:
    url = reverse("storefront:release", args=[tracks[0].release_id])
    first_visitor, second_visitor = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first = first_visitor.get(url)
    with CaptureQueriesContext(connection) as queries:
        second = second_visitor.get(url)
    assert len(queries) == 0  # nothing priced again, nothing read
    assert first.content == second.content  # the same bytes: nothing of either visitor's own in it
    assert "csrftoken" not in first.cookies and "csrftoken" not in second.cookies
    page = _text(second)
    assert 'method="post"' not in page and "csrfmiddlewaretoken" not in page and "idempotency_key" not in page
    assert not re.search(r"\n[ \t]", page)  # sent without the template's indentation
    fields = _track_form(page, "get")
    assert fields == {"release": str(tracks[0].release_id), "track": str(tracks[0].pk)}
    asked = second_visitor.get(reverse("storefront:buy"), {**fields, "format_name": "flac"})
    assert asked.status_code == 302 and asked["Location"] == f"{reverse('accounts:login')}?next={url}"
    signed_in = second_visitor.get(asked["Location"])
    assert "Sign in (or create an account) to buy" in _text(signed_in)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_buyer_s_page_has_a_token_and_keys_of_each_request_s_own(tracks: list[Track], buyer: Customer) -> None:
    url = reverse("storefront:release", args=[tracks[0].release_id])
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(buyer.user)
    first, second = _track_form(_text(signed_in.get(url)), "post"), _track_form(_text(signed_in.get(url)), "post")
    assert first["idempotency_key"] != second["idempotency_key"]
    assert first["csrfmiddlewaretoken"] and first["csrfmiddlewaretoken"] != second["csrfmiddlewaretoken"]
    assert signed_in.get(reverse("storefront:buy"), {"release": tracks[0].release_id})["Location"] == url
    assert not Order.objects.exists()  # asking by GET never buys


@pytest.mark.django_db
@pytest.mark.parametrize("release", ["", "x", "-1", "0", "99999999999", "\u0661", "9" * 5_000])
def test_a_buy_by_get_without_a_release_is_refused(release: str) -> None:
    response = Client().get(reverse("storefront:buy"), {"release": release})
    assert response.status_code == 400 and "not a purchase the store understands" in response.content.decode()


@pytest.mark.django_db
def test_the_language_page_switches_the_language_and_goes_back(tracks: list[Track]) -> None:
    url = reverse("storefront:release", args=[tracks[0].release_id])
    visitor = Client(enforce_csrf_checks=True)
    page = _text(visitor.get(url))
    link = re.search(r'<a href="(/language/\?next=[^"]+)">Language</a>', page)
    assert link and html.unescape(link.group(1)) == f"{reverse('storefront:language')}?next={url}"
    picker = _text(visitor.get(html.unescape(link.group(1))))
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', picker))
    assert fields["next"] == url
    switched = visitor.post(reverse("storefront:set_language"), {**fields, "language": "ru"})
    assert switched.status_code == 302 and switched["Location"] == url
    assert '<html lang="ru">' in _text(visitor.get(url))


@pytest.mark.django_db
def test_the_language_page_goes_back_only_within_the_store() -> None:
    picker = _text(Client().get(reverse("storefront:language"), {"next": "https://elsewhere.example/"}))
    assert re.findall(r'name="next" value="([^"]*)"', picker) == ["/"]


@pytest.mark.django_db
def test_a_price_change_reaches_buyers_at_once_and_visitors_when_the_kept_page_expires(
        tracks: list[Track], buyer: Customer, settings: Any) -> None:
    release = tracks[0].release
    url = reverse("storefront:release", args=[release.pk])
    signed_in = Client()
    signed_in.force_login(buyer.user)
    assert "9.99 GBP" not in _text(Client().get(url))
    PriceRule.objects.create(release=release, currency="GBP", pricing_model=PriceRule.Model.PER_TRACK,
                             track_price_minor=999, minimum_minor=0)
    assert "9.99 GBP" in _text(signed_in.get(url))
    assert "9.99 GBP" not in _text(Client().get(url))
    settings.PRESSPLANT_PAGE_CACHE_SECONDS = 0
    assert "9.99 GBP" in _text(Client().get(url))


@pytest.mark.django_db
def test_the_kept_page_is_kept_per_language(tracks: list[Track]) -> None:
    url = reverse("storefront:release", args=[tracks[0].release_id])
    assert "Buy the whole release" in _text(Client().get(url))
    russian = _text(Client().get(url, HTTP_ACCEPT_LANGUAGE="ru"))
    assert "Купить весь релиз" in russian and "Buy the whole release" not in russian


@pytest.mark.django_db
def test_a_release_taken_off_sale_is_gone_for_buyers_at_once_and_for_visitors_when_the_kept_page_expires(
        tracks: list[Track], buyer: Customer, settings: Any) -> None:
    release = tracks[0].release
    url = reverse("storefront:release", args=[release.pk])
    _text(Client().get(url))
    Release.objects.filter(pk=release.pk).update(status="quarantined", quarantine_reason="wrong master")
    signed_in = Client()
    signed_in.force_login(buyer.user)
    assert signed_in.get(url).status_code == 404
    assert "Cache Songs" in _text(Client().get(url))  # kept for visitors a while; buying it is refused
    settings.PRESSPLANT_PAGE_CACHE_SECONDS = 0
    assert Client().get(url).status_code == 404


@pytest.mark.django_db
def test_robots_txt_opens_the_catalogue_to_crawlers_and_nothing_else(tracks: list[Track]) -> None:
    response = Client().get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(response.content.decode().splitlines())
    release = tracks[0].release
    assert release.label is not None
    open_paths = [reverse("storefront:home"), reverse("storefront:release", args=[release.pk]),
                  reverse("storefront:artists"), reverse("storefront:label", args=[release.label.pk]),
                  reverse("storefront:cover", args=[release.pk]), reverse("preview", args=[tracks[0].pk])]
    closed_paths = [f"{reverse('storefront:buy')}?release={release.pk}&track={tracks[0].pk}",
                    f"{reverse('storefront:search')}?q=cache", f"{reverse('storefront:language')}?next=/",
                    reverse("storefront:set_language"), reverse("storefront:library"),
                    reverse("storefront:receipt", args=[1]), reverse("storefront:wallet"),
                    reverse("storefront:top_up"), reverse("storefront:label_home"), reverse("accounts:login"),
                    reverse("download", args=["token"]), "/api/v1/releases", "/admin/", reverse("metrics")]
    for path in open_paths:
        assert robots.can_fetch("AnyBot", f"http://testserver{path}"), path
        assert Client().get(path).status_code == 200, path
    for path in closed_paths:
        assert not robots.can_fetch("AnyBot", f"http://testserver{path}"), path
