"""The sender through the sandbox: alerts, errors, limits, blocked users, restarts."""

from __future__ import annotations

from bot.sender import Sender
from tests.test_sender_helpers import add_item, add_subscriber, queue_alert, statuses


async def test_alert_reaches_subscriber_escaped(bot_env) -> None:
    user = bot_env.user(2001)
    services = bot_env.services
    sid = await add_subscriber(services, 2001)
    item = await add_item(services, title="Strike <b>now</b> & later")
    assert await queue_alert(services, sid, item, "a1")
    sender = Sender(services, bot_env.app.bot)
    assert await sender.send_due() == 1
    msg = user.inbox[-1]
    assert "Strike <b>now</b> & later" in msg.text
    assert "Matched your filter: kazakhstan" in msg.text
    assert (await statuses(services)) == {"sent": 1}
    # a second pass sends nothing more
    assert await sender.send_due() == 0
    assert len(user.inbox) == 1
