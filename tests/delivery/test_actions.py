"""The lease protocol's clean-up: a dead builder's scratch folder goes with its lease, a live one's stays."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from pressplant.audio.formats import get_format
from pressplant.delivery import actions, cache
from pressplant.delivery.models import Rendition

DEAD = "deadbeef" * 4


def _lapsed_lease(track, settings, *, last_write_after_lapse: bool) -> tuple[Path, str]:
    """A BUILDING row whose lease lapsed a minute ago, and the scratch folder its builder left on this
    machine, last written before the lapse (a builder that died) or after it (one alive but too slow)."""
    fmt = get_format("mp3-128")
    version = cache.tag_version(track.track_tags(), track.release.cover_sha256, fmt)
    lapsed_at = timezone.now() - datetime.timedelta(minutes=1)
    Rendition.objects.create(master=track.master, format_name=fmt.name, tag_version=version, lease_token=DEAD,
                             lease_expires_at=lapsed_at, storage_key=f"renditions/{DEAD}.mp3")
    scratch = Path(settings.RENDITION_WORK_DIR) / f"build-{DEAD}"
    scratch.mkdir(parents=True)
    partial = scratch / "rendition.mp3.part"
    partial.write_bytes(b"half an encode")
    written_at = (lapsed_at + datetime.timedelta(seconds=30 if last_write_after_lapse else -30)).timestamp()
    for path in (partial, scratch):
        os.utime(path, (written_at, written_at))
    return scratch, version


@pytest.mark.django_db
def test_taking_over_a_dead_builders_lease_removes_its_scratch_folder(tracks, settings):
    scratch, version = _lapsed_lease(tracks[0], settings, last_write_after_lapse=False)

    claim = actions.claim_rendition(tracks[0].master, "mp3-128", version, lambda token: f"renditions/{token}.mp3")

    assert claim.is_mine and claim.stale_storage_key == f"renditions/{DEAD}.mp3"
    assert not scratch.exists()


@pytest.mark.django_db
def test_a_scratch_folder_still_written_after_the_lapse_is_left_to_its_builder(tracks, settings):
    scratch, version = _lapsed_lease(tracks[0], settings, last_write_after_lapse=True)

    claim = actions.claim_rendition(tracks[0].master, "mp3-128", version, lambda token: f"renditions/{token}.mp3")

    assert claim.is_mine
    assert (scratch / "rendition.mp3.part").read_bytes() == b"half an encode"

