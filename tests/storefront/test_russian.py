"""The Russian translation: the catalogue shipped in the package is complete and the pages speak it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

import pressplant
from pressplant.catalogue.models import Release, Track

PO_FILE = Path(pressplant.__file__).resolve().parent / "locale" / "ru" / "LC_MESSAGES" / "django.po"


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    """LocaleMiddleware leaves Russian active in the thread: put the language back for the tests that follow."""
    with translation.override(translation.get_language()):
        yield


def _entries(path: Path) -> list[dict[str, str]]:
    """A small .po reader: one dict per entry, keyword (msgid, msgid_plural, msgstr, msgstr[0]...) -> text."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current:
                entries.append(current)
            current, key = {}, ""
        elif line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                current["fuzzy"] = "yes"
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    return entries


def _russian_page(path: str) -> str:
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Language"] == "ru"
    return str(response.content.decode())


def test_every_message_has_a_russian_translation() -> None:
    entries = _entries(PO_FILE)
    messages = [entry for entry in entries if entry.get("msgid")]
    assert len(messages) > 50
    header = next(entry for entry in entries if entry.get("msgid") == "")
    assert "nplurals=3;" in header["msgstr"] and "Language: ru" in header["msgstr"]
    for entry in entries:
        assert "fuzzy" not in entry, entry
    for entry in messages:
        if "msgid_plural" in entry:
            forms = [entry.get(f"msgstr[{n}]", "") for n in range(3)]
            assert all(forms), entry
        else:
            assert entry.get("msgstr"), entry
    assert PO_FILE.with_suffix(".mo").is_file(), "compile the catalogue: django-admin compilemessages"


def test_russian_plural_forms() -> None:
    message = "Too many failed sign-in attempts. Please try again in %(minutes)d minute."
    plural = "Too many failed sign-in attempts. Please try again in %(minutes)d minutes."
    with translation.override("ru"):
        words = {n: translation.ngettext(message, plural, n) % {"minutes": n} for n in (1, 3, 5, 21, 11)}
    assert words[1].endswith("1 минуту.") and words[21].endswith("21 минуту.")
    assert words[3].endswith("3 минуты.")
    assert words[5].endswith("5 минут.") and words[11].endswith("11 минут.")


@pytest.mark.django_db
def test_the_home_page_in_russian(tracks: list[Track]) -> None:
    page = _russian_page("/")
    for russian in ("Кошелёк", "Моя музыка", "Исполнители", "Войти", "Новые релизы", "Поиск"):
        assert russian in page, russian
    for english in (">Wallet<", ">Library<", ">Artists<", ">Sign in<", "New releases", ">Search<"):
        assert english not in page, english
    assert "Cache Songs" in page  # the music's own titles stay as they are


@pytest.mark.django_db
def test_the_signup_page_in_russian() -> None:
    page = _russian_page("/accounts/signup/")
    for russian in ("Создать аккаунт", "Пароль", "Страна проживания", "Уже есть аккаунт?", "Кошелёк"):
        assert russian in page, russian
    for english in ("Create an account", "Password", "Country of residence", "Already have an account?", ">Wallet<"):
        assert english not in page, english


@pytest.mark.django_db
def test_the_release_page_in_russian(tracks: list[Track]) -> None:
    page = _russian_page(reverse("storefront:release", args=[Release.objects.get().pk]))
    assert "Купить весь релиз" in page and "Buy the whole release" not in page
    assert ">Купить<" in page or "Купить</button>" in page
