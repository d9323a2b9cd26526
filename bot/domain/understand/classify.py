"""Weighted-cue classification into crackdown / strike / protest_call / other."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .lexicon import Lexicon
from .text import YEAR_DIGITS, Segment


@dataclass
class CueScores:
    """Summed cue weights per kind, and which cues fired (for the debug field)."""

    totals: dict[str, float] = field(default_factory=dict)
    fired: dict[str, list[str]] = field(default_factory=dict)

    def get(self, kind: str) -> float:
        """The total weight of one kind."""
        return self.totals.get(kind, 0.0)


_PAST_YEAR = re.compile(r"\b(in|since|of|after|в|с|после)\s+(?:\w+\s+){0,2}((?:19|20)\d\d)\b", re.I)


def score_text(
    text: str, segs: list[Segment], lexicons: list[Lexicon], title_end: int, published_year: int | None
) -> tuple[CueScores, list[set[str]]]:
    """One pass of every cue over the text: summed weights (a cue counts at most twice, a title
    hit double, a hit in a background sentence about an earlier year a third) and the cue
    kinds present in each segment."""
    scores = CueScores()
    kinds: list[set[str]] = [set() for _ in segs]
    starts = [s.start for s in segs]
    background = []
    for seg in segs:
        found = _PAST_YEAR.findall(seg.text) if YEAR_DIGITS.search(seg.text) else []
        years = [int(y) for _, y in found]
        if published_year is not None:
            background.append(bool(years) and min(years) < published_year)
        else:
            # no publication date: "in December 2011" is history, but "с 2015 года" / "since
            # 2015" is how long something still going on has lasted
            background.append(any(p.lower() not in ("с", "since") for p, _ in found))
    low = text.lower()
    # lower() keeps offsets when it keeps the length (it does for the scripts we read)
    same = len(low) == len(text)
    for lex in lexicons:
        present = lex.literals_in(low)
        for c in lex.cues:
            if c.literals is not None and present.isdisjoint(c.literals):
                continue  # none of the words it starts with: it cannot match
            total = 0.0
            hits = 0
            matches = c.lowered.finditer(low) if same and c.lowered is not None else c.pattern.finditer(text)
            for m in matches:
                hits += 1
                si = max(0, bisect.bisect_right(starts, m.start()) - 1)
                if segs:
                    kinds[si].add(c.kind)
                if hits > 2:
                    continue
                factor = 2.0 if m.start() < title_end else 1.0
                if segs and background[si]:
                    factor *= 0.3
                total += c.weight * factor
            if hits:
                scores.totals[c.kind] = scores.totals.get(c.kind, 0.0) + total
                scores.fired.setdefault(c.kind, []).append(f"{lex.lang}:{c.name}x{hits}")
    return scores, kinds


def decide(scores: CueScores, has_event: bool, event_strength: float) -> tuple[str, dict[str, float]]:
    """Pick the category from the cue totals and whether a future protest event was found.

    Precedence follows the labelling rules: crackdown, then strike, then protest call."""
    context = scores.get("context")
    military = scores.get("military")
    crack = scores.get("crackdown")
    # violence without protesters or workers in sight (war, crime) is not a crackdown
    if context < 1:
        crack *= 0.3
    crack -= 1.5 * military + 1.5 * scores.get("weather")  # lightning kills people; it is no crackdown
    strike = scores.get("strike") - 2.0 * scores.get("weather") - 2.0 * military - 1.0 * scores.get("sport")
    protest = scores.get("protest")
    call = scores.get("call")
    pc = 0.0
    if protest > 0:
        pc = protest + call + (3.0 + event_strength if has_event else 0.0)
        pc -= 1.5 * scores.get("past") if not has_event else 0.0
        pc -= 2.0 * scores.get("nonprotest") if protest < 2 else 0.0
    pc -= 4.0 * scores.get("neg_protest")
    values = {"crackdown": round(crack, 2), "strike": round(strike, 2), "protest_call": round(pc, 2)}
    # A strong protest call beats weak background cues (a report of earlier arrests in a call).
    if has_event and pc >= 6 and crack < 4.5 and strike < pc:
        return "protest_call", values
    # A massacre report that ends with a call to protest is a crackdown with an event; a call
    # that speaks of police violence or arrests as its cause stays a call, while the call weighs more.
    if has_event and pc >= 6 and crack < pc and strike < pc:
        return "protest_call", values
    if crack >= 4.5:
        return "crackdown", values
    if strike >= 3:
        return "strike", values
    if pc >= 4:
        return "protest_call", values
    return "other", values
