"""Message catalogs: English source strings as msgids, one gettext .po file per other language.

Adding a language is one new file, `bot/locales/<code>.po` (e.g. `kk.po` for Kazakh).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=1)
def _catalogs() -> dict[str, dict[str, str | tuple[str, ...]]]:
    catalogs: dict[str, dict[str, str | tuple[str, ...]]] = {}
    for path in sorted(LOCALES_DIR.glob("*.po")):
        code = path.stem  # "ru.po" holds Russian
        with path.open("rb") as handle:
            catalog = read_po(handle)
        table = catalogs.setdefault(code, {})
        for message in catalog:
            if not message.id or not message.string:
                continue
            # plural entries carry (singular, plural) ids and one string per plural form
            key = str(message.id if isinstance(message.id, str) else message.id[0])
            if isinstance(message.string, str):
                table[key] = message.string
            elif all(message.string):
                table[key] = tuple(str(form) for form in message.string)
    return catalogs


def languages() -> list[str]:
    """Codes of the languages the bot speaks, English first."""
    return [DEFAULT_LANGUAGE] + sorted(c for c in _catalogs() if c != DEFAULT_LANGUAGE)


def pick_language(code: str | None) -> str:
    """The supported language nearest to a Telegram `language_code` such as "ru-RU"."""
    if code:
        base = code.split("-")[0].lower()
        if base in languages():
            return base
    return DEFAULT_LANGUAGE


def tr(lang: str, msgid: str, **params: object) -> str:
    """Translate `msgid` into `lang` and fill its {placeholders}."""
    found = _catalogs().get(lang, {}).get(msgid)
    text = found if isinstance(found, str) else msgid
    return text.format(**params) if params else text


def trn(lang: str, singular: str, plural: str, n: int, **params: object) -> str:
    """Translate a message whose form depends on the number `n` ({n} is filled in)."""
    found = _catalogs().get(lang, {}).get(singular)
    if isinstance(found, tuple):
        from babel import Locale
        from babel.plural import PluralRule

        rule = PluralRule(Locale.parse(lang).plural_form.rules)
        forms = {"one": 0, "few": 1, "many": 2, "other": len(found) - 1}
        index = min(forms.get(rule(n), len(found) - 1), len(found) - 1)
        text = found[index]
    else:
        text = singular if n == 1 else plural
    return text.format(n=n, **params)
