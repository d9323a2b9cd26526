"""The demo's sample feed: three items written for Tocsin, dated relative to `now`.

Modelled on the seed case (striking oil workers shot by police, followed by a solidarity protest
in London), plus a strike report and a hard negative: a football "striker" from the same country.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

FEED_TITLE = "Labour Solidarity Wire (Tocsin demo)"
FEED_LINK = "https://demo.tocsin.invalid/"


def next_wednesday(now: datetime) -> datetime:
    """The Wednesday after `now` (a week on when `now` is itself a Wednesday)."""
    days = (2 - now.weekday()) % 7 or 7
    return now + timedelta(days=days)


def sample_items(now: datetime) -> list[dict[str, str]]:
    """The three demo items: guid, title, link, HTML description, pubDate."""
    wednesday = next_wednesday(now)
    day = f"{wednesday:%A} {wednesday.day} {wednesday:%B}"
    crackdown = (
        "<p>Police opened fire on striking oil workers and their families in the main square of "
        "Zhanaozen, western Kazakhstan, on Friday. The authorities admit that 10 people were "
        "killed and 70 wounded; 70 more were arrested. Workers who have been on strike since May "
        "for a pay rise say the real toll is higher, and that a curfew now keeps the wounded from "
        "hospital.</p>"
        "<p>The strike committee calls on trade unionists everywhere to protest. In London, "
        f"supporters will gather on {day} at 12 noon at the Kazakh-British Chamber of Commerce "
        "at 62 South Audley Street, Mayfair, to demand an independent inquiry and the release of "
        "those arrested.</p>"
    )
    strike = (
        "<p>About 3,000 copper miners at the Northern Ridge pits stopped work on Monday in an "
        "indefinite strike over unpaid overtime and unsafe shafts. The union says the company owes "
        "four months of overtime pay; management calls the strike illegal.</p>"
    )
    football = (
        "<p>Kazakhstan's striker fired two late shots past the keeper to seal a 2-0 win, and the "
        "team's supporters marched through the capital to celebrate. The side meets the group "
        "leaders on Wednesday.</p>"
    )
    return [
        {
            "guid": "tocsin-demo-crackdown",
            "title": "Police shoot striking oil workers in Zhanaozen: 10 dead, 70 wounded",
            "link": "https://demo.tocsin.invalid/news/zhanaozen-shooting?utm_source=rss",
            "description": crackdown,
            "pubDate": format_datetime(now),
        },
        {
            "guid": "tocsin-demo-strike",
            "title": "Copper miners begin indefinite strike over unpaid overtime",
            "link": "https://demo.tocsin.invalid/news/copper-strike",
            "description": strike,
            "pubDate": format_datetime(now - timedelta(hours=1)),
        },
        {
            "guid": "tocsin-demo-football",
            "title": "Kazakhstan striker's late double sends fans into the streets",
            "link": "https://demo.tocsin.invalid/sport/late-double",
            "description": football,
            "pubDate": format_datetime(now - timedelta(hours=2)),
        },
    ]


def render_sample_feed(now: datetime) -> bytes:
    """The sample feed as RSS 2.0 bytes, with pubDate of the first item = `now` (aware)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(FEED_TITLE)}</title><link>{FEED_LINK}</link>",
        "<description>Sample items written for the Tocsin demo</description>",
        "<language>en</language>",
        f"<lastBuildDate>{format_datetime(now)}</lastBuildDate>",
    ]
    for item in sample_items(now):
        parts.append(
            "<item>"
            f"<title>{escape(item['title'])}</title>"
            f"<link>{escape(item['link'])}</link>"
            f'<guid isPermaLink="false">{item["guid"]}</guid>'
            f"<pubDate>{item['pubDate']}</pubDate>"
            f"<description>{escape(item['description'])}</description>"
            "</item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")
