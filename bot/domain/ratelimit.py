"""Rate-limit arithmetic for the sender: sliding windows, pure, with the time passed in.

Telegram counts requests when they arrive, which is somewhere between the moment we start a
request and the moment its answer comes back. So a send occupies its window from the moment
its answer came (while in flight it blocks the slot): the next send that could overflow the
window waits until `limit` answers back plus the window length. Arrivals can then never be
denser than the limit, whatever the jitter, at the cost of one round trip per window.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

IN_FLIGHT = math.inf


class Slot:
    """One send in a window: in flight (time = inf) until its answer settles it."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at = IN_FLIGHT


@dataclass
class SlidingWindow:
    """At most `limit` sends in any `window` seconds, counting each from its answer."""

    limit: int
    window: float
    slots: deque[Slot] = field(default_factory=deque)

    def _trim(self, now: float) -> None:
        while self.slots and self.slots[0].at <= now - self.window:
            self.slots.popleft()

    def next_allowed(self, now: float) -> float:
        """The earliest time, not before `now`, at which one more send fits (inf: wait for an
        answer first)."""
        self._trim(now)
        if len(self.slots) < self.limit:
            return now
        # sends go in order, so the one `limit` back bounds every window that ends now
        return max(now, self.slots[len(self.slots) - self.limit].at + self.window)

    def record(self) -> Slot:
        """Take a slot for a send starting now; settle it when the answer comes."""
        slot = Slot()
        self.slots.append(slot)
        return slot

    def idle(self, now: float) -> bool:
        """True when nothing is left in the window (the entry can be forgotten)."""
        self._trim(now)
        return not self.slots


@dataclass
class Limits:
    """Telegram's ceilings: overall, per private chat, per group or channel."""

    global_rate: float = 30.0  # messages a second overall
    private_per_second: float = 1.0
    group_per_minute: int = 20
    margin: float = 0.005  # seconds added to every window (clock granularity at the far end)


class RateLimiter:
    """Decides when the next message to a chat may go: the global, per-chat and 429 limits.

    After a RetryAfter every request waits until the pause is over, and the global rate is
    slowed (halved at worst) and recovers step by step while no 429 comes back.
    """

    RECOVER_EVERY = 10.0  # seconds without a 429 before the rate recovers one step
    RECOVER_STEP = 0.1
    MIN_FACTOR = 0.5

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.factor = 1.0
        self.paused_until = 0.0
        self._last_429 = float("-inf")
        self._global = self._make_global()
        self._smooth = self._make_smooth()
        self._chats: dict[int, SlidingWindow] = {}
        self._last_trim = 0.0

    def _make_global(self) -> SlidingWindow:
        rate = self.limits.global_rate * self.factor
        # a window of one second (plus margin) holding `rate` sends; below 1/s a longer window
        count = max(1, int(rate))
        window = count / rate + self.limits.margin
        return SlidingWindow(limit=count, window=window)

    def _make_smooth(self) -> SlidingWindow:
        # a tenth of a second's budget per tenth of a second: the same rate, without bursts
        # (a burst of 30 leaves many answers waiting for their commit at the same moment)
        rate = self.limits.global_rate * self.factor
        return SlidingWindow(limit=max(1, math.ceil(rate / 10)), window=0.1)

    def _chat_window(self, chat_id: int, group: bool) -> SlidingWindow:
        found = self._chats.get(chat_id)
        if found is None:
            if group:
                found = SlidingWindow(self.limits.group_per_minute, 60.0 + self.limits.margin)
            else:
                found = SlidingWindow(1, 1.0 / self.limits.private_per_second + self.limits.margin)
            self._chats[chat_id] = found
        return found

    def _recover(self, now: float) -> None:
        if self.factor < 1.0 and now - self._last_429 >= self.RECOVER_EVERY:
            self.factor = min(1.0, self.factor + self.RECOVER_STEP)
            self._last_429 = now  # the next step needs another quiet period
            old = self._global.slots
            self._global = self._make_global()
            self._global.slots = old
            self._smooth = self._make_smooth()

    def chat_ready_at(self, chat_id: int, group: bool, now: float) -> float:
        """When this chat's own limit lets one more message go."""
        return self._chat_window(chat_id, group).next_allowed(now)

    def global_ready_at(self, now: float) -> float:
        """When the overall limit (and any 429 pause) lets one more message go."""
        self._recover(now)
        return max(
            self.paused_until, self._global.next_allowed(now), self._smooth.next_allowed(now)
        )

    def ready_at(self, chat_id: int, group: bool, now: float) -> float:
        """When a message to this chat may go, all limits considered."""
        return max(self.global_ready_at(now), self.chat_ready_at(chat_id, group, now))

    def record(self, chat_id: int, group: bool, now: float) -> Ticket:
        """Take the slots for a message to this chat starting now; settle the ticket when the
        answer (or an error) comes back."""
        ticket = Ticket(self._global.record(), self._chat_window(chat_id, group).record())
        self._smooth.record().at = now  # smoothing counts from the start
        if now - self._last_trim > 5.0:
            self._last_trim = now
            self._chats = {c: w for c, w in self._chats.items() if not w.idle(now)}
        return ticket

    def on_retry_after(self, seconds: float, now: float) -> None:
        """A 429: stop every request for `seconds` and slow down the overall rate."""
        self.paused_until = max(self.paused_until, now + seconds + self.limits.margin)
        self._last_429 = now
        new_factor = max(self.MIN_FACTOR, self.factor * 0.75)
        if new_factor != self.factor:
            self.factor = new_factor
            old = self._global.slots
            self._global = self._make_global()
            self._global.slots = old
            self._smooth = self._make_smooth()


class Ticket:
    """The slots one send holds; `settle(at)` when its answer came."""

    __slots__ = ("slots",)

    def __init__(self, *slots: Slot) -> None:
        self.slots = slots

    def settle(self, at: float) -> None:
        """The answer came at `at`: from now on the send counts from then."""
        for slot in self.slots:
            slot.at = at


def backoff(attempt: int, base: float = 2.0, cap: float = 300.0) -> float:
    """Seconds before retry number `attempt` (1-based) after a timeout or a 5xx: exponential."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))
