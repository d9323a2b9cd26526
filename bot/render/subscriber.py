"""What a subscriber reads: /start, /help, /privacy, /forget, /subscribe, /filters, /settings.

Every text goes through the catalogs; every interpolated value is HTML-escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.timezones import Place, local_time, utc_offset_label
from bot.i18n import tr, trn
from bot.storage.privacy import StoredAbout
from bot.storage.subscribers import FilterView, SubscriberView

# Names of languages in themselves: a person looking for their language must recognise it.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}

# Callback data prefixes (each whole callback string stays well under Telegram's 64 bytes).
CB_LANGUAGE = "st:lang:"  # + code
CB_WELCOME_LANGUAGE = "st:wlang:"  # + code: the buttons under the welcome re-render it
CB_LANGUAGE_MENU = "st:langs"
CB_TIMEZONE_ASK = "st:tz"
CB_TIMEZONE_SET = "st:tzset:"  # + IANA zone (the longest is 32 characters)
CB_DELIVERY_SETTINGS = "dl:settings"  # handled by the delivery part
CB_SAVE_FILTER = "sub:ok:"  # + preview token
CB_DROP_FILTER = "sub:no:"  # + preview token
CB_REMOVE_FILTER = "flt:rm:"  # + filter id
CB_FORGET_YES = "fg:yes"
CB_FORGET_NO = "fg:no"

BUTTON_LABEL_MAX = 40


def language_name(code: str) -> str:
    """The language's own name for itself."""
    return LANGUAGE_NAMES.get(code, code)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- commands menu ---------------------------------------------------------------------------

# (command, English description); descriptions are translated per language.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("subscribe", "Follow a topic, place or union"),
    ("filters", "Your filters (remove with a tap)"),
    ("unsubscribe", "Remove a filter by number, or all"),
    ("test", "Try your filters on any text"),
    ("upcoming", "Upcoming protests for your filters"),
    ("reminders", "Your reminders"),
    ("settings", "Timezone, language, reminders, quiet hours"),
    ("pause", "Pause alerts"),
    ("resume", "Resume alerts"),
    ("help", "How to use Tocsin"),
    ("privacy", "What Tocsin keeps about you"),
    ("forget", "Erase everything about you"),
    ("start", "Start again, choose the language"),
)


def bot_commands(lang: str, available: set[str] | None = None) -> list[BotCommand]:
    """The command menu in `lang`; with `available`, only commands some handler answers."""
    return [
        BotCommand(name, tr(lang, description))
        for name, description in COMMANDS
        if available is None or name in available
    ]


# --- /start, /help ---------------------------------------------------------------------------


def welcome(lang: str) -> str:
    """The first message: what Tocsin does, how to start, the privacy note."""
    return "\n\n".join(
        (
            tr(
                lang,
                "<b>Tocsin</b> rings the bell when workers and protesters face a crackdown, "
                "go on strike or call a protest.",
            ),
            tr(
                lang,
                "Tell me what to follow: a country, a city, a company, a union. For example:\n"
                "/subscribe Kazakhstan\n"
                "/subscribe oil workers\n"
                "/subscribe zhanaozen OR жанаозен",
            ),
            tr(
                lang,
                "I send you the news that matches, protest calls with the time in your "
                "timezone, and reminders before the protests you follow.",
            ),
            privacy_note(lang),
            tr(lang, "Choose your language:"),
        )
    )


def privacy_note(lang: str) -> str:
    """The short privacy note shown on /start."""
    return tr(
        lang,
        "🔒 I keep only your chat id, language, timezone, settings and filters, never your "
        "name or username. /privacy tells more; /forget erases everything.",
    )


def welcome_back(lang: str, filters: int) -> str:
    """/start from someone who already uses the bot."""
    count = trn(
        lang,
        "You follow {n} filter.",
        "You follow {n} filters.",
        filters,
    )
    return "\n".join(
        (
            tr(lang, "Welcome back to <b>Tocsin</b>."),
            count,
            tr(lang, "/filters shows them, /subscribe adds one, /help lists everything."),
            "",
            tr(lang, "Choose your language:"),
        )
    )


def language_keyboard(current: str | None = None, welcome: bool = False) -> InlineKeyboardMarkup:
    """One button per language; the current one is marked."""
    prefix = CB_WELCOME_LANGUAGE if welcome else CB_LANGUAGE
    buttons = [
        InlineKeyboardButton(("✓ " if code == current else "") + name, callback_data=prefix + code)
        for code, name in LANGUAGE_NAMES.items()
    ]
    return InlineKeyboardMarkup([buttons])


def language_set(lang: str) -> str:
    """Confirmation, written in the newly chosen language."""
    return tr(lang, "I will speak {language} with you. /help lists what I can do.",
              language=escape(language_name(lang)))


def help_text(lang: str, available: set[str] | None = None) -> str:
    """The /help overview; with `available`, commands no handler answers are left out."""
    # (command the line is about, or None for headings and blank lines; the text)
    entries: list[tuple[str | None, str]] = [
        (None, tr(lang, "<b>Tocsin</b> alerts you to crackdowns, strikes and protest calls.")),
        (None, ""),
        (None, tr(lang, "<b>What to follow</b>")),
        ("subscribe", tr(lang, "/subscribe <i>words</i> — follow a topic, e.g. /subscribe Kazakhstan")),
        ("filters", tr(lang, "/filters — your filters, each with a button to remove it")),
        ("unsubscribe", tr(lang, "/unsubscribe <i>n</i> — remove filter number n; /unsubscribe all — remove all")),
        ("test", tr(lang, "/test <i>text</i> — try your filters on any text")),
        ("help", tr(lang, "/help filters — the filter language: OR, NOT, \"phrases\", city:, category:")),
        (None, ""),
        ("upcoming", tr(lang, "<b>Protests</b>")),
        ("upcoming", tr(lang, "/upcoming — upcoming protests matching your filters")),
        ("reminders", tr(lang, "/reminders — the reminders you set")),
        ("upcoming", ""),
        (None, tr(lang, "<b>You</b>")),
        ("settings", tr(lang, "/settings — timezone, language, reminders, quiet hours")),
        ("pause", tr(lang, "/pause and /resume — stop and restart alerts")),
        ("privacy", tr(lang, "/privacy — what Tocsin keeps about you")),
        ("forget", tr(lang, "/forget — erase everything about you")),
    ]
    return "\n".join(
        text
        for command, text in entries
        if command is None or available is None or command in available
    )


# --- /privacy, /forget -----------------------------------------------------------------------


def _yes_no(lang: str, value: bool) -> str:
    return tr(lang, "yes") if value else tr(lang, "no")


def privacy_text(lang: str, stored: StoredAbout, default_zone: str) -> str:
    """What is stored about this person, with their own figures."""
    lines = [tr(lang, "<b>What Tocsin keeps about you</b>"), ""]
    if stored.known:
        lines += [
            tr(lang, "• your chat id, so that I can send you messages"),
            tr(
                lang,
                "• language: {language}; timezone: {timezone}; alerts paused: {paused}",
                language=escape(language_name(stored.language or lang)),
                timezone=escape(stored.timezone or default_zone),
                paused=_yes_no(lang, stored.paused),
            ),
            tr(lang, "• your filters: {n}", n=stored.filters),
            tr(
                lang,
                "• events you follow: {follows}; reminders: {reminders}",
                follows=stored.follows,
                reminders=stored.reminders,
            ),
            tr(
                lang,
                "• messages queued or sent to you: {n} (kept so that nothing is sent twice)",
                n=stored.deliveries,
            ),
        ]
    else:
        lines.append(tr(lang, "Nothing: you have not started the bot, or you erased yourself."))
    lines += [
        "",
        tr(
            lang,
            "Never stored: your name, username or phone number, or what you write to me "
            "apart from your filters. Logs hold ids and counts, never message text.",
        ),
        "",
        tr(lang, "/forget erases all of it at once."),
    ]
    return "\n".join(lines)


def forget_confirm(lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """The /forget question and its two buttons."""
    text = tr(
        lang,
        "This erases everything Tocsin keeps about you: filters, settings, followed events, "
        "reminders and the record of messages sent to you. It cannot be undone.\n\n"
        "Erase everything?",
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr(lang, "Yes, erase everything"), callback_data=CB_FORGET_YES),
                InlineKeyboardButton(tr(lang, "Cancel"), callback_data=CB_FORGET_NO),
            ]
        ]
    )
    return text, keyboard


def forgotten(lang: str) -> str:
    """After /forget."""
    return tr(
        lang,
        "Done: everything about you is erased. If you send /start again, you start from nothing.",
    )


def forget_cancelled(lang: str) -> str:
    """/forget answered with Cancel."""
    return tr(lang, "Nothing was erased.")


# --- /subscribe ------------------------------------------------------------------------------


def ask_filter(lang: str) -> str:
    """/subscribe without words."""
    return tr(
        lang,
        "What should I follow? Send the words, e.g. <code>Kazakhstan</code> or "
        "<code>oil workers</code>.\n/help filters explains OR, NOT and the rest; /cancel stops.",
    )


def filter_too_long(lang: str, length: int, limit: int) -> str:
    """A filter over the length limit."""
    return trn(
        lang,
        "That filter is {n} character long; the limit is {limit}. Shorten it or split it into "
        "two filters.",
        "That filter is {n} characters long; the limit is {limit}. Shorten it or split it into "
        "two filters.",
        length,
        limit=limit,
    )


def filter_empty(lang: str) -> str:
    """A filter with nothing in it."""
    return tr(lang, "A filter needs at least one word, e.g. <code>/subscribe Kazakhstan</code>.")


def too_many_filters(lang: str, limit: int) -> str:
    """The subscriber is at the filter limit."""
    return tr(
        lang,
        "You have {limit} filters, the most one person can have. Remove one in /filters first.",
        limit=limit,
    )


def too_many_regexes(lang: str, limit: int) -> str:
    """The new filter would take the subscriber over the /regex/ limit."""
    return tr(
        lang,
        "You can use at most {limit} /regex/ terms across all your filters. Write this one "
        "with words, or remove a filter with a /regex/ first.",
        limit=limit,
    )


def duplicate_filter(lang: str, existing: FilterView) -> str:
    """The same filter exists already."""
    return tr(
        lang,
        "You already follow <code>{query}</code> (filter {n}).",
        query=escape(existing.query),
        n=existing.number,
    )


def preview_summary(
    lang: str, count: int | None, examples: Sequence[tuple[str, str | None]]
) -> list[str]:
    """The lines saying what a filter would have matched in the last 7 days."""
    if count is None:
        return []
    lines = [
        trn(
            lang,
            "In the last 7 days it would have matched {n} item.",
            "In the last 7 days it would have matched {n} items.",
            count,
        )
    ]
    if examples:
        lines.append(tr(lang, "For example:"))
        for title, link in examples[:2]:
            title_html = escape(_short(title, 120) or tr(lang, "(untitled)"))
            if link and link.startswith(("http://", "https://")):
                lines.append(f'• <a href="{escape(link, quote=True)}">{title_html}</a>')
            else:
                lines.append(f"• {title_html}")
    elif count == 0:
        lines.append(tr(lang, "That is fine for rare events; a very narrow filter may never fire."))
    return lines


def preview(
    lang: str,
    query: str,
    count: int | None,
    examples: Sequence[tuple[str, str | None]],
    token: str,
) -> tuple[str, InlineKeyboardMarkup]:
    """What a new filter would have matched in the last 7 days, with Save / Cancel."""
    text = preview_settled(lang, query, count, examples) + "\n\n" + tr(lang, "Save this filter?")
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr(lang, "✅ Save"), callback_data=CB_SAVE_FILTER + token),
                InlineKeyboardButton(tr(lang, "Cancel"), callback_data=CB_DROP_FILTER + token),
            ]
        ]
    )
    return text, keyboard


def preview_settled(
    lang: str, query: str, count: int | None, examples: Sequence[tuple[str, str | None]]
) -> str:
    """The preview once answered: the filter and its figures, without the question."""
    lines = [tr(lang, "New filter: <code>{query}</code>", query=escape(query))]
    lines += preview_summary(lang, count, examples)
    return "\n".join(lines)


def filter_saved(lang: str, saved: FilterView, paused: bool) -> str:
    """After Save."""
    text = tr(
        lang,
        "✅ Saved filter {n}: <code>{query}</code>. I will alert you when something matches.\n"
        "/filters shows all your filters.",
        n=saved.number,
        query=escape(saved.query),
    )
    if paused:
        text += "\n" + tr(lang, "Alerts are paused for now: send /resume to get them.")
    return text


def filter_not_saved(lang: str) -> str:
    """After Cancel on a preview."""
    return tr(lang, "Not saved.")


def preview_expired(lang: str) -> str:
    """A Save/Cancel button from an old preview."""
    return tr(lang, "This preview has expired. Send /subscribe again.")


def cancelled(lang: str) -> str:
    """/cancel."""
    return tr(lang, "OK, cancelled.")


def nothing_to_cancel(lang: str) -> str:
    """/cancel with nothing going on."""
    return tr(lang, "There is nothing to cancel.")


# --- /filters, /unsubscribe ------------------------------------------------------------------


def filters_list(lang: str, filters: Sequence[FilterView]) -> tuple[str, InlineKeyboardMarkup | None]:
    """Each filter, numbered, with a button to remove it."""
    if not filters:
        return (
            tr(
                lang,
                "You have no filters yet. Send /subscribe and the words to follow, "
                "e.g. <code>/subscribe Kazakhstan</code>.",
            ),
            None,
        )
    # Fifty filters of 300 characters would pass Telegram's 4096; shorten them all to fit.
    width = max(40, min(300, 3600 // len(filters) - 8))
    lines = [tr(lang, "<b>Your filters</b>")]
    lines += [f"{f.number}. <code>{escape(_short(f.query, width))}</code>" for f in filters]
    lines += ["", tr(lang, "Tap a button to remove a filter; /subscribe adds one.")]
    rows = [
        [
            InlineKeyboardButton(
                tr(lang, "Remove {n}: {query}", n=f.number, query=_short(f.query, 24)),
                callback_data=f"{CB_REMOVE_FILTER}{f.id}",
            )
        ]
        for f in filters
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def filter_removed(lang: str, query: str) -> str:
    """A filter was removed (short: fits a callback answer)."""
    return tr(lang, "Removed: {query}", query=_short(query, 150))


def filter_already_gone(lang: str) -> str:
    """A remove button for a filter that no longer exists."""
    return tr(lang, "That filter was already removed.")


def unsubscribe_usage(lang: str) -> str:
    """/unsubscribe without a number."""
    return tr(
        lang,
        "Send /unsubscribe and a filter's number from /filters, e.g. <code>/unsubscribe 2</code>, "
        "or <code>/unsubscribe all</code>.",
    )


def unsubscribed_one(lang: str, number: int, query: str) -> str:
    """/unsubscribe n done."""
    return tr(lang, "Removed filter {n}: <code>{query}</code>.", n=number, query=escape(query))


def unsubscribed_all(lang: str, count: int) -> str:
    """/unsubscribe all done."""
    if count == 0:
        return tr(lang, "You had no filters to remove.")
    return trn(
        lang,
        "Removed your {n} filter. No alerts will come until you /subscribe again.",
        "Removed all {n} filters. No alerts will come until you /subscribe again.",
        count,
    )


def no_such_filter(lang: str, number: str, count: int) -> str:
    """/unsubscribe with a number that is not in the list."""
    return trn(
        lang,
        "There is no filter {number}: you have {n} filter. /filters lists it.",
        "There is no filter {number}: you have {n} filters. /filters lists them.",
        count,
        number=escape(number[:20]),
    )


# --- /settings -------------------------------------------------------------------------------


def zone_label(lang: str, zone: str, now: datetime) -> str:
    """A zone as a person reads it: Etc/GMT-5 is shown as UTC+05:00."""
    if zone.startswith("Etc/") or zone == "UTC":
        return utc_offset_label(zone, now)
    return f"{zone} ({utc_offset_label(zone, now)})"


def place_label(lang: str, place: Place, now: datetime) -> str:
    """A found place, e.g. "Almaty, KZ — Asia/Almaty (UTC+05:00)"."""
    zone = zone_label(lang, place.zone, now)
    if place.city:
        where = f"{place.city}, {place.country}" if place.country else place.city
        return f"{where} — {zone}"
    return zone


def settings_text(lang: str, subscriber: SubscriberView, default_zone: str, now: datetime) -> str:
    """The /settings overview."""
    zone = subscriber.timezone or default_zone
    state = tr(lang, "paused (/resume)") if subscriber.paused else tr(lang, "on (/pause)")
    lines = [
        tr(lang, "<b>Settings</b>"),
        tr(lang, "Language: {language}", language=escape(language_name(subscriber.language))),
        tr(
            lang,
            "Timezone: {zone}, now {time} there",
            zone=escape(zone_label(lang, zone, now)),
            time=local_time(zone, now).strftime("%H:%M"),
        ),
        tr(lang, "Alerts: {state}", state=state),
    ]
    if subscriber.timezone is None:
        lines.append(tr(lang, "Set your timezone so that protest times are shown in it."))
    return "\n".join(lines)


def settings_keyboard(lang: str) -> InlineKeyboardMarkup:
    """Timezone, language, and the delivery part's reminders and quiet hours."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr(lang, "🕒 Timezone"), callback_data=CB_TIMEZONE_ASK),
                InlineKeyboardButton(tr(lang, "🌐 Language"), callback_data=CB_LANGUAGE_MENU),
            ],
            [
                InlineKeyboardButton(
                    tr(lang, "Reminders & quiet hours"), callback_data=CB_DELIVERY_SETTINGS
                )
            ],
        ]
    )


def ask_timezone(lang: str) -> str:
    """Asks for a city or a timezone."""
    return tr(
        lang,
        "Send the name of your city (e.g. <code>Almaty</code>, <code>Лондон</code>) or a "
        "timezone (e.g. <code>Asia/Almaty</code>, <code>UTC+5</code>). /cancel stops.",
    )


def choose_language(lang: str) -> str:
    """Above the language buttons."""
    return tr(lang, "Choose your language:")


def timezone_set(
    lang: str, place: Place, others: Sequence[Place], now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Confirmation of a new timezone; namesakes elsewhere come as buttons."""
    text = tr(
        lang,
        "Timezone set: {place}. It is now {time} there.",
        place=escape(place_label(lang, place, now)),
        time=local_time(place.zone, now).strftime("%H:%M"),
    )
    if not others:
        return text, None
    text += "\n" + tr(lang, "Meant another place with this name? Choose it:")
    return text, _place_buttons(lang, others, now)


def _place_buttons(lang: str, places: Sequence[Place], now: datetime) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _short(place_label(lang, place, now), BUTTON_LABEL_MAX),
                    callback_data=CB_TIMEZONE_SET + place.zone,
                )
            ]
            for place in places
        ]
    )


def timezone_unknown(
    lang: str, query: str, suggestions: Sequence[Place], now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    """No place or zone by that name: near misses as buttons, or a hint."""
    shown = escape(_short(query, 60))
    if suggestions:
        text = tr(
            lang,
            "I don't know a place or timezone called <i>{query}</i>. Did you mean one of these?",
            query=shown,
        )
        return text, _place_buttons(lang, suggestions, now)
    text = tr(
        lang,
        "I don't know a place or timezone called <i>{query}</i>. Try the nearest big city, or a "
        "timezone such as <code>Europe/London</code> or <code>UTC+3</code>.",
        query=shown,
    )
    return text, None


def paused_text(lang: str) -> str:
    """/pause."""
    return tr(lang, "Alerts are paused. Send /resume to get them again.")


def resumed_text(lang: str) -> str:
    """/resume."""
    return tr(lang, "Alerts are on again.")


def start_first(lang: str) -> str:
    """A button pressed by someone the bot no longer knows (e.g. after /forget)."""
    return tr(lang, "Send /start first.")


# --- fallback --------------------------------------------------------------------------------


def unknown_command(lang: str, command: str) -> str:
    """An unknown /command."""
    return tr(
        lang,
        "I don't know the command {command}. /help lists what I can do.",
        command=escape(_short(command, 40)),
    )


def stray_message(lang: str, text: str | None = None) -> str:
    """Text (or a photo, a sticker...) that no conversation is waiting for.

    Short text is probably what the person wants to follow: show the command to copy.
    """
    if text and len(text) <= 60 and "\n" not in text:
        return tr(
            lang,
            "To follow this, send <code>/subscribe {text}</code> (tap to copy). "
            "/help lists everything I can do.",
            text=escape(text.strip()),
        )
    return tr(
        lang,
        "To follow a topic, send /subscribe and the words, e.g. "
        "<code>/subscribe Kazakhstan</code>. /help lists everything I can do.",
    )
