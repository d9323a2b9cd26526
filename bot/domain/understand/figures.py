"""Casualty figures (killed, injured, arrested) from digits and number words."""

from __future__ import annotations

import re
from datetime import date

from .lexicon import Lexicon
from .text import YEAR_DIGITS, Segment, parse_number, scan

_DIGITS = r"\d{1,3}(?:[ ,]\d{3})+(?!\d)|\d+"
_BOUND = r"(?:(?:at least|more than|over|about|around|some|up to|nearly|almost|roughly|approximately|as many as|an estimated|не менее|более|больше|свыше|около|почти|порядка|до|как минимум|минимум|примерно)\s+)?"


def _number_regex(lexicons: list[Lexicon]) -> re.Pattern[str]:
    words = sorted({w for lex in lexicons for w in lex.number_words if " " not in w and w not in ("a", "an")}, key=len, reverse=True)
    return re.compile(
        r"(?<![\w.,:-])" + _BOUND + r"(?P<n>" + _DIGITS + "|" + "|".join(words) + r")(?![\w,.:]\d)(?![a-zа-яё])(?=(?P<rest>[^.;!?\n]{0,80}))",
        re.I,
    )


_NUMBER_REGEXES: dict[tuple[str, ...], re.Pattern[str]] = {}  # one per set of languages a text uses


def _value(token: str, lexicons: list[Lexicon]) -> int | None:
    num = parse_number(token)
    if num is not None:
        return num
    low = token.lower()
    for lex in lexicons:
        if low in lex.number_words:
            return lex.number_words[low]
    return None


_PAST_YEAR = re.compile(r"\b(?:in|since|of|в)\s+(?:\w+\s+)?((?:19|20)\d\d)\b")
_VERB_FIRST = {
    "killed": re.compile(r"\b(?:killing|killed|погибли|погибло|погиб|убиты|убили)\s+(?:at least|more than|over|about|не менее|более|около|как минимум)?\s*(?P<n>\d[\d ,]*\d|\d|\w+)\s+(?:[\w-]+\s+){0,2}?(?P<who>\w+)\b", re.I),
    "injured": re.compile(r"\b(?:injuring|wounding|injured|wounded|пострадали|пострадало|ранены|ранено)\s+(?:at least|more than|over|about|не менее|более|около|как минимум|ещё как минимум|еще как минимум)?\s*(?P<n>\d[\d ,]*\d|\d|\w+)\s+(?:[\w-]+\s+){0,2}?(?P<who>\w+)\b", re.I),
    "arrested": re.compile(r"\b(?:arresting|detaining|arrested|detained|задержал\w*|задержано|задержаны|арестованы|арестовали)\s+(?:at least|more than|over|about|не менее|более|около|как минимум)?\s*(?P<n>\d[\d ,]*\d|\d|\w+)\s+(?:[\w-]+\s+){0,2}?(?P<who>\w+)\b", re.I),
}
# "число задержанных составило 3 711", "the death toll rose to 12": the count after its noun.
_COUNT_OF = {
    "killed": re.compile(r"\b(?:death toll|number of (?:dead|deaths|those killed)|(?:число|количество) (?:погибших|убитых|жертв))\b[^.;\n]{0,40}?(?:to|of|at|is|was|до|составил\w*|достиг\w*|[—–-])\s*(?:более\s+|свыше\s+|at least\s+)?(?P<n>\d{1,3}(?:[ ,]\d{3})+(?!\d)|\d+)", re.I),
    "injured": re.compile(r"\b(?:number of (?:injured|wounded)|(?:число|количество) (?:пострадавших|раненых))\b[^.;\n]{0,40}?(?:to|of|at|is|was|до|составил\w*|достиг\w*|[—–-])\s*(?:более\s+|свыше\s+)?(?P<n>\d{1,3}(?:[ ,]\d{3})+(?!\d)|\d+)", re.I),
    "arrested": re.compile(r"\b(?:number of (?:arrests|detentions|those (?:arrested|detained))|(?:число|количество) (?:задержанных|арестованных))\b[^.;\n]{0,40}?(?:to|of|at|is|was|до|составил\w*|достиг\w*|[—–-])\s*(?:более\s+|свыше\s+)?(?P<n>\d{1,3}(?:[ ,]\d{3})+(?!\d)|\d+)", re.I),
}

# One person, named by a singular noun: "футболист умер", "a protester was shot dead".
_SINGULAR = {
    "killed": re.compile(
        r"\b(?:(?:a|one) (?:[\w-]+ ){0,3}?(?:man|woman|protester|demonstrator|worker|striker|student|person|teenager|boy|girl|journalist|farmer|miner|driver) (?:was|has been) (?:killed|shot dead|beaten to death)|killed (?:a|one) (?:[\w-]+ ){0,3}?(?:man|woman|protester|demonstrator|worker|striker|student|person|teenager|boy|girl|journalist|farmer|miner|driver)|(?:мужчина|женщина|футболист|рабочий|шахт[её]р|протестующий|активист|демонстрант|подросток|журналист|человек) (?:умер|погиб|скончался|был убит)|в убийстве)\b",
        re.I,
    ),
    "arrested": re.compile(
        r"\b(?:(?:a|one) (?:man|woman|protester|demonstrator|activist|worker|student|journalist|suspect) (?:was|has been) (?:arrested|detained)|задержал\w* (?:\w+ ){0,5}(?:подозреваемого|активиста|мужчину|женщину|журналиста|организатора)|(?:подозреваемый|активист|мужчина|организатор) (?:был )?задержан)\b",
        re.I,
    ),
}
_PEOPLE = re.compile(r"^(?:people|persons|protesters|demonstrators|civilians|workers|activists|strikers|miners|students|farmers|children|men|women|человек|человека|людей|активист\w*|участник\w*|протестующ\w*|рабоч\w*|демонстрант\w*|граждан\w*|журналист\w*)$", re.I)


# words one of which each pattern's match contains: a text with none skips the pattern
_GATES = {
    ("verb", "killed"): ("kill", "погиб", "убит", "убил"),
    ("verb", "injured"): ("injur", "wound", "пострада", "ранен"),
    ("verb", "arrested"): ("arrest", "detain", "задерж", "арест"),
    ("count", "killed"): ("death toll", "number of", "число", "количество"),
    ("count", "injured"): ("number of", "число", "количество"),
    ("count", "arrested"): ("number of", "число", "количество"),
    ("one", "killed"): ("kill", "shot dead", "to death", "умер", "погиб", "скончался", "убит", "убийств"),
    ("one", "arrested"): ("arrest", "detain", "задерж"),
}


def _gated(kind: str, patterns: dict[str, re.Pattern[str]], low: str) -> list[tuple[str, re.Pattern[str]]]:
    return [(f, p) for f, p in patterns.items() if any(w in low for w in _GATES[(kind, f)])]


def extract_figures(segs: list[Segment], lexicons: list[Lexicon], published: date | None) -> tuple[dict[str, int | None], list[str]]:
    """The largest stated count per field in sentences about the item's own event."""
    found: dict[str, list[int]] = {"killed": [], "injured": [], "arrested": []}
    why: list[str] = []
    number = _NUMBER_REGEXES.get(tuple(lex.lang for lex in lexicons))
    if number is None:
        number = _NUMBER_REGEXES[tuple(lex.lang for lex in lexicons)] = _number_regex(lexicons)
    # a count needs a word saying what befell the people; most texts have none, and scanning
    # every number of a text for one is the costly part
    whole = "\n".join(seg.text for seg in segs)
    low = whole.lower()
    counts_matter = any(next(scan(lex.figure_words[f], whole, low), None) for lex in lexicons for f in found)
    verb_first, count_of, singular = _gated("verb", _VERB_FIRST, low), _gated("count", _COUNT_OF, low), _gated("one", _SINGULAR, low)
    for seg in segs:
        text = seg.text
        years = [int(y) for y in _PAST_YEAR.findall(text)] if YEAR_DIGITS.search(text) else []
        if years and (published is None or min(years) < published.year):
            continue  # background: "killed 16 in December 2011"
        for m in scan(number, text, text.lower()) if counts_matter else ():
            value = _value(m.group("n"), lexicons)
            if value is None or value <= 0 or value > 1_000_000:
                continue
            rest = m.group("rest")
            if any(lex.not_people.match(rest) for lex in lexicons):
                continue
            # the words that say what happened must come soon after the number,
            # before another number
            rest = re.sub(r",?\s*(?:в том числе|including|among them)[^,]*,", "", rest)
            window = re.split(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\b", rest, maxsplit=1)[0][:60]
            for field_name in found:
                for lex in lexicons:
                    cue = lex.figure_words[field_name].search(window)
                    if cue and re.match(r"\s*(?:нет|не было|none|not)\b", window[cue.end() :], re.I):
                        continue  # "задержанных нет": none detained
                    if cue and len(window[: cue.start()].split()) <= 6:
                        found[field_name].append(value)
                        why.append(f"{field_name}={value}")
                        break
        for field_name, pattern in verb_first:
            for m in pattern.finditer(text):
                value = _value(m.group("n").strip(), lexicons)
                if value and _PEOPLE.match(m.group("who")) and value <= 1_000_000:
                    found[field_name].append(value)
                    why.append(f"{field_name}={value}")
        for field_name, pattern in count_of:
            for m in pattern.finditer(text):
                value = parse_number(m.group("n"))
                if value:
                    found[field_name].append(value)
                    why.append(f"{field_name}={value}")
        for field_name, pattern in singular:
            if not found[field_name] and pattern.search(text):
                found[field_name].append(1)
                why.append(f"{field_name}=1")
    out: dict[str, int | None] = {k: (max(v) if v else None) for k, v in found.items()}
    return out, why
