"""Message catalogs: every text the code says has a Russian form, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from bot.i18n import LOCALES_DIR, _catalogs, languages, pick_language, tr, trn

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")
TAG = re.compile(r"</?([a-z\-]+)")


def _code_msgids() -> set[str]:
    """Every literal msgid passed to tr()/trn() in bot/ and jobs/."""
    found: set[str] = set()
    for folder in ("bot", "jobs"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords={"tr": (2,), "trn": (2, 3)},
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def test_english_and_russian_are_spoken() -> None:
    assert languages()[:1] == ["en"] and "ru" in languages()
    assert pick_language("ru-RU") == "ru"
    assert pick_language("kk") == "en"  # no Kazakh catalog yet: English, not an error
    assert pick_language(None) == "en"


def test_every_text_in_the_code_has_a_russian_translation() -> None:
    russian = _catalogs()["ru"]
    missing = sorted(m for m in _code_msgids() if m not in russian)
    assert missing == [], f"{len(missing)} texts have no Russian: {missing[:20]}"


def test_translations_keep_placeholders_and_markup() -> None:
    for msgid, text in _catalogs()["ru"].items():
        forms = text if isinstance(text, tuple) else (text,)
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= set(PLACEHOLDER.findall(msgid)) | {"{n}"}, msgid
            assert sorted(TAG.findall(form)) == sorted(TAG.findall(msgid)), msgid


def test_russian_plural_forms_follow_the_number() -> None:
    one, few, many = (
        trn("ru", "{n} follower will be told.", "{n} followers will be told.", n)
        for n in (21, 3, 11)
    )
    assert (one.split()[1], few.split()[1], many.split()[1]) == ("участник", "участника", "участников")
    assert trn("en", "{n} follower will be told.", "{n} followers will be told.", 1) == (
        "1 follower will be told."
    )


def test_a_new_language_is_one_catalog_file() -> None:
    # The loader keys catalogs by the file name's language code; nothing else lists languages.
    assert {p.stem for p in LOCALES_DIR.glob("*.po")} == set(languages()) - {"en"}
    assert tr("xx", "Something went wrong on our side. Please try again in a minute.").startswith(
        "Something went wrong"
    )
