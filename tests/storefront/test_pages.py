"""The catalogue pages: what a visitor finds on the home page, by browsing, by searching, and on a release."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Artist, Label, Release, Track


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
    assert page.count('name="idempotency_key"') == len(FORMATS) + 3
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
