"""The catalogue's hand-written reads load what the ORM loads, and a track's tags count its disc and
name its artists in credit order."""

from __future__ import annotations

import pytest

from pressplant.catalogue.models import Artist, Release, Track, track_with_release
from tests.delivery.conftest import album_tree, tracks  # noqa: F401  (the ingested three-track album)
from tests.rows import loaded_fields

pytestmark = pytest.mark.django_db


def test_a_track_with_its_release_label_and_master_loads_as_the_orm_does(tracks):  # noqa: F811
    loaded = track_with_release(tracks[1].pk)
    expected = Track.objects.select_related("release__label", "master").get(pk=tracks[1].pk)

    assert loaded is not None
    assert loaded_fields(loaded) == loaded_fields(expected)
    assert loaded_fields(loaded.release) == loaded_fields(expected.release)
    assert loaded_fields(loaded.master) == loaded_fields(expected.master) and isinstance(loaded.master.probe, dict)
    assert loaded.release.label is not None and loaded.release.label.name == "Cache Records"
    assert track_with_release(tracks[-1].pk + 1000) is None


def test_a_track_of_a_release_without_a_label_or_off_sale_is_still_found(tracks):  # noqa: F811
    Release.objects.update(label=None, status=Release.Status.QUARANTINED, quarantine_reason="withdrawn")
    loaded = track_with_release(tracks[0].pk)
    assert loaded is not None and loaded.release.label is None
    assert loaded.track_tags().label is None


def test_a_tracks_tags_count_its_own_disc_and_credit_its_artists_in_order(tracks):  # noqa: F811
    Track.objects.filter(pk=tracks[2].pk).update(disc_number=2, position=1)
    second = track_with_release(tracks[2].pk)
    assert second is not None
    second.artists.add(Artist.objects.create(name="A Guest"))
    Track.objects.filter(pk=second.pk).update(artist_display="The Encoders feat. A Guest")
    second.artist_display = "The Encoders feat. A Guest"

    first_tags, second_tags = tracks[0].track_tags(), second.track_tags()

    assert (first_tags.track_number, first_tags.track_total, first_tags.disc_number, first_tags.disc_total) == (
        1, 2, 1, 2)
    assert (second_tags.track_number, second_tags.track_total, second_tags.disc_number, second_tags.disc_total) == (
        1, 1, 2, 2)
    assert second_tags.artists == ("The Encoders", "A Guest")
    assert first_tags.artists == ("The Encoders",)
