"""Venues and street addresses in English and Russian text."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class PlaceMention:
    """A venue or an address candidate with its offsets."""

    start: int
    end: int
    text: str
    kind: str  # venue | address | street (no house number) | along (a street walked along) | named (no place noun) | weak


_EN_NOUNS = (
    r"Square|Street|Streets|Road|Avenue|Lane|Way|Place|Boulevard|Park|Gardens?|Embassy|Consulate|High Commission|"
    r"Library|Prison|Chamber of Commerce|Chamber|Arch|Building|Capitol|Hall|Offices?|Centre|Center|House|Courts|"
    r"Station|Bridge|Amphitheatre|Amphitheater|Parliament|Ministry|Court|Courthouse|Plaza|Theatre|Theater|"
    r"University|Church|Cathedral|Gates?|Memorial|Monument|Stadium|Market|Headquarters|HQ|Tower|Museum|"
    r"Circus|Green|Common|Quay|Pier|Exchange|Council|Mall|Factory|Plant|Depot|Docks?|Hospital|School|"
    r"Fountain|Statue|Entrance|Steps|Town Hall|City Hall|Bank|Institute|Academy|Embankment|Legislature|Statehouse|Guildhall|"
    r"Clock ?[Tt]ower|Port|Airport|Terminal|Mine|Works|Campus|Secretariat|Assembly|Toll ?[Gg]ate|Tollgate|Toll Plaza|"
    r"Complex|Galleria|Gallery|Mosque|Temple|Synagogue|Chapel|Arena|Pavilion|Roundabout|Junction|Beach|Forecourt|Precinct|Quadrangle|Quad|Hub|Shrine|Interchange|Grounds|Rotunda|Buildings|Oval|Field|Towers"
)
_CAP = r"[A-Z][\w'\u2019.&-]*"
# "at" joins two places ("at Paragon Lane at the Islamic Center"), not two words of one name
_LINK = r"(?: +(?:of|the|and|&|de|for|on|du|des|la) +| +|-)"
_EN_VENUE = re.compile(
    r"(?:\b(?:at|outside|in front of|near|opposite|behind|on|in|(?:planned|scheduled|set) for|(?<!ed )by|assembling at|assemble at|gather at|meet at|from|(?i:assemble|gather|meet))\s+(?:the\s+)?|^ *(?:(?i:where): *)?(?:outside +)?(?:the +)?"
    # a listing's place after its time: "Saturday, March 6, 1 p.m., Grant Park, Chicago"
    r"|(?:(?<=[ap]\.m\.)|(?<=[\d ][ap]m)|(?<=noon))(?:,| -| \u2013)? +|(?<=\d\d:\d\d)(?:,| -| \u2013) +)"
    r"(?P<v>" + _CAP + r"(?:" + _LINK + r"(?:" + _CAP + r"|\d{1,3}(?= [A-Z]))){0,6}(?: (?:park|square|gardens?|building|embassy|memorial|monument|statue))?)",
    re.M,
)
_EN_INNER_VENUE = re.compile(r" (?:at|outside|in front of|near|opposite|in) (?:the )?(?P<v>[A-Z].*)$")
_EN_NOUN_END = re.compile(r"\b(?:" + _EN_NOUNS + r"|park|square|gardens?|building|embassy|memorial|monument|statue)\b")
_EN_STRONG_VENUE = re.compile(
    r"(?<![\w'])(?P<v>(?:[A-Z][\w'-]* +){1,3}(?:Square|Embassy|Consulate|Prison|Library|Arch|Amphitheatre|Capitol|Parliament|City Hall|Town Hall|Courts? of Justice|Crown Court|Magistrates'? Court))\b"
)
_EN_LOWER_VENUE = re.compile(
    r"\b(?:at|outside|in front of|near|opposite|on)\s+(?:the|a)\s+(?P<v>(?:[a-z]+(?:['\u2019]s)?\s+|(?:[A-Z][\w&'\u2019-]*\s+){1,2})?(?:building|embassy|parliament|headquarters|offices?|city hall|(?i:town hall)|court|courthouse|ministry|consulate|square|park|gates|factory|plant|warehouse|depot|store|mine|hospital|campus|statehouse|legislature|toll ?gate|toll plaza|parking lot|car ?park|press club|(?i:state capitol)|capitol))\b(?!(?<=gates) of\b)"
    # "at city hall", "outside city hall": the institution without its article
    r"|\b(?:at|outside|in front of|near|on the steps of)\s+(?P<bare>(?i:city hall|town hall|county hall|the state capitol|the capitol|state capitol|the statehouse|the courthouse|county courthouse|police headquarters|police station|parliament|the parliament|the legislature))\b"
)
_STREET = r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Way|Place|Square|Boulevard|Blvd\.?|Drive|Terrace|Row|Crescent|Parkway|Highway|Streets)(?: (?:[NS][EW]?|[EW])\b\.?)?"
_POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9O][A-Z]{2}\b"
_EN_ADDRESS = re.compile(
    r"\b(?P<a>(?:\d{1,4}[A-Za-z]? +(?![AaPp]\.?[Mm]\b)(?:[NSEW]\. +)?)?(?:\d+(?:st|nd|rd|th) +)?(?:[A-Z][\w'-]* +){0,3}" + _STREET + r"(?![\w])"
    r"(?:(?:,? *| *\n *)(?:[A-Z][a-z]+(?: +[A-Z][a-z]+){0,2}(?= *,| *\n| *\.(?:\s|$)| +" + _POSTCODE + r"| *$)|" + _POSTCODE + r")){0,3})",
    re.M,
)
_CORNER_STREET = r"(?:\d+(?:st|nd|rd|th)|[A-Z][a-z][a-zA-Z]+)(?: +(?:Ave\.?|Avenue|St\.?|Streets?|Rd\.?|Road|Blvd\.?|Boulevard|Drive|Dr\.|NW|NE|SW|SE))*"
_EN_CORNER = re.compile(r"(?:\b(?P<strong>at|[Ww]here:|corner of|intersection of|Location:?) +|\b[A-Z]{2} +|^|, |\()(?P<a>" + _CORNER_STREET + r" +(?:and|&) +" + _CORNER_STREET + r")(?=[\s.,!\")]|$)", re.M)
_STREET_WORD = re.compile(r"\b(?:Ave\.?|Avenue|St\.?|Streets?|Rd\.?|Road|Blvd\.?|Boulevard|Drive|Dr\.|NW|NE|SW|SE)$|\d(?:st|nd|rd|th)\b")

# "at Nayapaltan": a one-word place name, used only when nothing better names the venue
# "on the front steps of the Capitol", "at the north steps of the Capitol building"
_EN_STEPS_OF = re.compile(
    r"\b(?:at|on|outside|in front of|from)\s+the\s+(?:(?:front|back|north|south|east|west|main)\s+)?(?P<part>steps|gates?|entrance|lawn|side)\s+of\s+(?:the\s+)?"
    r"(?P<v>(?:[A-Z][\w'-]*\s+){0,3}(?:Capitol|Statehouse|State House|Parliament|Legislature|Town Hall|City Hall|Guildhall|Council House|Cathedral|Courthouse|Court|Library|Museum|Palace|Embassy|Consulate|(?<=[a-z] )(?:Hall|House|Building|Cent(?:er|re))\b)(?:\s+[Bb]uilding)?"
    # any other name: "the gates of the Port of Felixstowe"
    r"|[A-Z][\w'-]*(?:(?: of| of the| and| &)? [A-Z][\w'-]*){0,4})"
)
# "gathering at The Level": a place whose name is "The ..." after a verb of gathering
_EN_THE_NAME = re.compile(r"\b(?:gather\w*|meet\w*|assembl\w*|rally\w*)\s+(?:at|in|on)\s+(?P<v>The\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\b")
# "outside Coed Pella", "in front of Tesco": whatever is named after a word of standing outside
# is a place, even without a place noun (towns and countries are weeded out by the event)
_EN_OUTSIDE = re.compile(r"(?:\b(?:outside|in front of|opposite)|\b(?:gather|meet|assemble|rally|converge|congregate|mass)(?:s|d|ed|ing)?\s+(?:at|outside)|\b(?:start|starts|begin|begins|set off|sets off|depart|departs|leave|leaves|march|marches|marching|route)\b[^.,;\n]{0,60}?\bfrom)\s+(?:the\s+)?(?:(?:gardens|steps|grounds|lawns?|front|foot) of (?:the\s+)?)?(?P<v>[A-Z][\w'&.-]*[\w'](?:(?: +(?:of|the|de|du) +| +)[A-Z][\w'&.-]*[\w']){0,4})")
_EN_WEAK_VENUE = re.compile(r"\b(?:at|in|in front of|outside) (?P<v>[A-Z][a-z]{3,}(?: [A-Z][a-z]{3,})?)(?![\w'\u2019-])(?! [A-Z])")
_ADDRESS_LINE = re.compile(r"\b(?:[Aa]ddress(?: is)?|Адрес)\s*:\s*(?P<a>[^\n]{5,90})")
# a notice's own "Location 2: Piazza dei Santi Apostoli" / "Venue: Near U.S. Embassy Rome" line
_LABEL_VENUE = re.compile(r"(?im)^[ \t]*(?:where|venue|location(?: \d{1,2})?)[ \t]*:[ \t]*(?:(?:near|outside|opposite|in front of)[ \t]+)?(?:the[ \t]+)?(?P<v>[A-Z][^\n,(/]{2,59})")
_BAD_VENUE = re.compile(
    r"^(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|The|This|That|Our|We|It|A|An|Join|Please|As|If|When|While|After|Before|Since|Because|Although|Once|Until|Unless|How|What|Why|Who|Its|Their|His|Her|Some|Many|Most|Every|Each|Other|More|Any)\b"
)


_GENERIC_ALONE = frozenset("place street streets road avenue lane way park gardens garden hall building centre center house station bridge market steps entrance gates gate offices office".split())
_TRIM_SENTENCE = re.compile(r"(?<!\bSt)(?<!\bDr)(?<!\bMt)(?<!\bFt)\. ")
_TRIM_LEAD = re.compile(r"^(?:(?:PM|AM|Rally|RALLY|Protest|Vigil|Picket|Demonstration|Join|Attend|Assemble|Meet|Gather|Outside|Opposite|Near|At)\s+(?:at\s+|the\s+)?)+")
_TRIM_TAIL = re.compile(r"\s+(?:on|at|in|and|of|the|for|&)$")
_TRIM_REST = re.compile(r"(?:\s+[A-Z][\w'-]*){0,1}|\s+of(?:\s+the)?(?:\s+[A-Z][\w'-]*){1,3}")


# "Christie Pits Saturday", "the Capitol Saturday": the day after a place is no part of its name
# "Affordability Action Hub, an umbrella group of …": an organisation named like a place
_APPOSITIVE_ORG = re.compile(r",? +(?:an?|the) +(?:[\w-]+ +){0,3}(?:group|coalition|organi[sz]ation|network|alliance|union|campaign|party|charity|collective)\b", re.I)
# "A Canadians Against Proroguing Parliament Rally": a name followed by its event's noun is the event's name
_NAMES_AN_EVENT = re.compile(r" (?:Rally|March|Protest|Vigil|Picket|Demo|Demonstration|Walkout|Sit-in|Campaign|Coalition|Committee|Group|Network)\b")
_TAKES_PLACE = re.compile(r"\b(?:Takes?|Took|Taking|Taken) Place\b")
_CALENDAR_TAIL = re.compile(
    r"(?: (?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.?)+$"
)


def _trim_en(v: str) -> str | None:
    v = _CALENDAR_TAIL.sub("", v)
    if _TAKES_PLACE.search(v):
        return None  # "Occupy Lagos Takes Place Today": a headline's verb, not a place
    if ". " in v:
        v = _TRIM_SENTENCE.split(v)[0]
    v = _TRIM_LEAD.sub("", v)
    v = v.strip(" .,;:'\u2019\"")
    v = _TRIM_TAIL.sub("", v)
    found = list(_EN_NOUN_END.finditer(v))
    if not found:
        return None
    # keep what follows the last place noun only when it is a short name ("Park Lane" stays)
    last = found[-1]
    tail = v[last.end() :]
    if tail and not _TRIM_REST.fullmatch(tail):
        v = v[: last.end()]
    if _BAD_VENUE.match(v) or v.lower() in _GENERIC_ALONE:
        return None  # (a bare "Place" or "Street" names nothing)
    return v if len(v) >= 4 else None


_RU_NOUNS = {
    "площадь": "площадь", "площади": "площадь", "площадью": "площадь", "площадях": "площади",
    "сквер": "сквер", "сквере": "сквер", "сквера": "сквер", "скверу": "сквер",
    "парк": "парк", "парке": "парк", "парка": "парк", "парку": "парк",
    "майдан": "майдан", "майдане": "майдан", "майдана": "майдан", "майдану": "майдан",
    "поле": "поле", "поля": "поле", "полю": "поле", "полем": "поле",
    "проспект": "проспект", "проспекте": "проспект", "проспекта": "проспект", "проспекту": "проспект",
    "улица": "улица", "улице": "улица", "улицу": "улица", "улицы": "улица",
    "бульвар": "бульвар", "бульваре": "бульвар", "бульвара": "бульвар",
    "набережная": "набережная", "набережной": "набережная", "набережную": "набережная",
    "офис": "офис", "офиса": "офис", "офисе": "офис", "офису": "офис",
    "здание": "здание", "здания": "здание", "здании": "здание", "зданию": "здание",
    "посольство": "посольство", "посольства": "посольство", "посольстве": "посольство", "посольству": "посольство",
    "консульство": "консульство", "консульства": "консульство", "консульстве": "консульство",
    "мэрия": "мэрия", "мэрии": "мэрия", "мэрию": "мэрия",
    "администрация": "администрация", "администрации": "администрация",
    "памятник": "памятник", "памятника": "памятник", "памятнику": "памятник",
    "театр": "театр", "театра": "театр", "театре": "театр",
    "вокзал": "вокзал", "вокзала": "вокзал", "вокзале": "вокзал",
    "стадион": "стадион", "стадиона": "стадион", "стадионе": "стадион",
    "сад": "сад", "саду": "сад", "сада": "сад",
    "берег": "берег", "берегу": "берег",
    "площадка": "площадка", "площадке": "площадка", "площадки": "площадка",
    "дом": "дом", "дома": "дом", "доме": "дом",
    "завод": "завод", "завода": "завод", "заводе": "завод",
    "суд": "суд", "суда": "суд", "суде": "суд",
    "кремль": "кремль", "кремля": "кремль",
    "метро": "метро",
    "станция": "станция", "станции": "станция", "станцию": "станция",
    "камня": "камень", "камень": "камень",
    "кинотеатр": "кинотеатр", "кинотеатра": "кинотеатр", "кинотеатре": "кинотеатр",
    "дворец": "дворец", "дворца": "дворец", "дворце": "дворец",
    "библиотека": "библиотека", "библиотеки": "библиотека", "библиотеке": "библиотека",
    "университет": "университет", "университета": "университет", "университете": "университет",
    "правительства": "здание правительства", "правительство": "здание правительства",
    "прокуратура": "прокуратура", "прокуратуры": "прокуратура", "прокуратурой": "прокуратура",
    # ponds, a factory's gate house and an entrance are where Russian protests often meet
    "пруд": "пруд", "пруда": "пруд", "пруду": "пруд", "пруды": "пруды", "прудов": "пруды", "прудам": "пруды", "прудах": "пруды",
    "проходная": "проходная", "проходной": "проходная", "проходную": "проходная",
    "вход": "вход", "входа": "вход", "входу": "вход", "входе": "вход",
    "ДК": "ДК", "дк": "ДК",  # a house of culture, 'у ДК «Металлург»'
    # legislatures and other places people stand in front of
    "собрание": "собрание", "собрания": "собрание", "собранию": "собрание", "собрании": "собрание",
    "дума": "дума", "думы": "дума", "думе": "дума", "думу": "дума",
    "горсовет": "горсовет", "горсовета": "горсовет", "горсовете": "горсовет",
    "фонтан": "фонтан", "фонтана": "фонтан", "фонтане": "фонтан", "фонтану": "фонтан",
    "собор": "собор", "собора": "собор", "соборе": "собор", "собору": "собор",
    "храм": "храм", "храма": "храм", "храме": "храм", "храму": "храм",
    "монумент": "монумент", "монумента": "монумент", "монументу": "монумент",
    "мемориал": "мемориал", "мемориала": "мемориал", "мемориалу": "мемориал", "мемориале": "мемориал",
    "стела": "стела", "стелы": "стела", "стеле": "стела", "стелу": "стела",
    "аллея": "аллея", "аллее": "аллея", "аллеи": "аллея", "аллею": "аллея",
    "рынок": "рынок", "рынка": "рынок", "рынке": "рынок", "рынку": "рынок",
    "горсад": "горсад", "горсаду": "горсад", "горсаде": "горсад", "горсада": "горсад",
    "огонь": "огонь", "огня": "огонь", "огню": "огонь",  # 'у Вечного огня'
    "академия": "академия", "академии": "академия", "академию": "академия",
    "почта": "почта", "почты": "почта", "почте": "почта", "почтой": "почта",
    "министерство": "министерство", "министерства": "министерство", "министерству": "министерство", "министерстве": "министерство",
    "фабрика": "фабрика", "фабрики": "фабрика", "фабрике": "фабрика",
    "комбинат": "комбинат", "комбината": "комбинат", "комбинате": "комбинат",
    "больница": "больница", "больницы": "больница", "больнице": "больница",
    "школа": "школа", "школы": "школа", "школе": "школа",
    "автовокзал": "автовокзал", "автовокзала": "автовокзал", "автовокзале": "автовокзал",
}
# "перед зданием администрации", "за библиотекой", "рядом с мэрией": the instrumental case
_RU_NOUNS.update({
    "сквером": "сквер", "парком": "парк", "проспектом": "проспект", "бульваром": "бульвар", "офисом": "офис",
    "памятником": "памятник", "театром": "театр", "вокзалом": "вокзал", "стадионом": "стадион", "садом": "сад",
    "домом": "дом", "заводом": "завод", "судом": "суд", "кремлём": "кремль", "кремлем": "кремль",
    "кинотеатром": "кинотеатр", "дворцом": "дворец", "университетом": "университет", "фонтаном": "фонтан",
    "собором": "собор", "храмом": "храм", "монументом": "монумент", "мемориалом": "мемориал", "рынком": "рынок",
    "комбинатом": "комбинат", "автовокзалом": "автовокзал", "горсоветом": "горсовет", "входом": "вход",
    "улицей": "улица", "площадкой": "площадка", "мэрией": "мэрия", "администрацией": "администрация",
    "думой": "дума", "стелой": "стела", "аллеей": "аллея", "академией": "академия", "фабрикой": "фабрика",
    "больницей": "больница", "школой": "школа", "библиотекой": "библиотека", "станцией": "станция",
    "зданием": "здание", "собранием": "собрание", "посольством": "посольство", "консульством": "консульство",
    "министерством": "министерство", "правительством": "здание правительства", "бульвару": "бульвар",
})
# more places Russian protests meet at, in the cases a preposition gives them
for _nom, _forms in {
    "арена": "арены арене арену ареной", "парковка": "парковки парковке парковку парковкой",
    "стоянка": "стоянки стоянке стоянку стоянкой", "ратуша": "ратуши ратуше ратушу ратушей",
    "часовня": "часовни часовне часовню часовней", "гостиница": "гостиницы гостинице гостиницу гостиницей",
    "филармония": "филармонии филармонию филармонией", "церковь": "церкви церковью",
    "мост": "моста мосту мосте мостом", "цирк": "цирка цирке цирку цирком", "музей": "музея музее музею музеем",
    "институт": "института институте институту институтом", "колледж": "колледжа колледже колледжу колледжем",
    "аэропорт": "аэропорта аэропорту аэропорте аэропортом", "обелиск": "обелиска обелиску обелиском",
    "универмаг": "универмага универмаге универмагу универмагом",
    "эстрада": "эстрады эстраде эстраду эстрадой", "корпус": "корпуса корпусе корпусу корпусом",
    "вестибюль": "вестибюле вестибюля вестибюлю", "перекресток": "перекрестке перекрестка перекрестку", "перекрёсток": "перекрёстке перекрёстка перекрёстку",
}.items():
    _RU_NOUNS.update({_nom: _nom, **{_f: _nom for _f in _forms.split()}})
# neuter nouns, whose adjectives end in -ое ('Законодательное собрание')
# offices people are inside of, not outside: "в администрации", "в министерстве" is who, not where
_RU_INSIDE = {"мэрия", "администрация", "здание правительства", "дума", "горсовет", "прокуратура", "министерство", "суд"}
_RU_NEUTER = {"собрание", "здание", "посольство", "консульство", "министерство", "поле"}
_RU_FEMININE = {"площадь", "улица", "набережная", "мэрия", "администрация", "площадка", "проходная", "дума", "стела", "аллея", "академия",
                "фабрика", "больница", "школа", "почта", "арена", "парковка", "стоянка", "ратуша", "часовня", "гостиница",
                "филармония", "церковь", "библиотека", "станция"}
_RU_NOUN_RE = "|".join(sorted(list(_RU_NOUNS) + [n.capitalize() for n in _RU_NOUNS], key=len, reverse=True))
# (a place noun in the instrumental, 'зданием', 'библиотекой', looks like an adjective: it is not one)
_RU_NOUN_AHEAD = "|".join(sorted((n for n in _RU_NOUNS if n.endswith(("ой", "ом", "ем", "ей"))), key=len, reverse=True))
_RU_ADJ = r"(?![Пп]роходн|[Нн]абережн)(?!(?i:" + _RU_NOUN_AHEAD + r")(?![А-Яа-яЁё]))[А-ЯЁа-яё-]+(?:ой|ую|ом|ем|ого|ому|ему|ая|ий|ый|ых|их|ей|ое|ым|им)(?![А-Яа-яЁё])"
# up to two adjectives: 'Даугавпилсский железнодорожный вокзал', 'Вечного огня'
_RU_ADJS = r"(?:[Жж]/[Дд]|" + _RU_ADJ + r")(?: +(?:и +)?" + _RU_ADJ + r")?"  # 'у ж/д вокзала
_RU_VENUE_BODY = (
    r"(?P<v>(?:(?P<adj>" + _RU_ADJS + r") +)?(?P<n>" + _RU_NOUN_RE + r")(?![А-Яа-яЁё])"
    r"(?P<tail>(?: +(?:(?:[А-ЯЁ]\. ?){1,2}[А-ЯЁ][а-яё]+|\d{4} года|\d{1,3} +лет +[А-ЯЁ][\w-]*|(?:культуры|спорта|молод[её]жи|искусств|офицеров|профсоюзов|пионеров|творчества|науки|наук|печати|советов|дружбы народов)(?![А-Яа-яЁё])|(?:администрации|мэрии|правительства|парламента|сейма|суда|думы|собрания|прокуратуры|университета|завода|комбината|театра|библиотеки|больницы|школы|полиции|министерства)(?![А-Яа-яЁё])(?: +[А-ЯЁа-яё]+(?:ого|его|ой|ей|ых|их) +[а-яё]+(?:а|я|ов|ей|ы|и)(?![А-Яа-яЁё]))?|(?:[а-яё]+(?:ого|его|ой|ей|ых|их) +){2}[а-яё]+(?:а|я|ов|ей|ы|и)(?![А-Яа-яЁё])|метро +«[^»]{1,40}»|«[^»]{1,40}»|\"[^\"]{1,40}\"|[а-яё]+(?:ы|и|а|я|ов) +«[^»]{1,40}»|[А-ЯЁ][а-яё]+(?:ого|его|ой|ей|ых|их) +[а-яё]+(?:а|я|ов|ей|ы|и)(?![А-Яа-яЁё])|[A-ZА-ЯЁ][\w.-]*(?: +[A-ZА-ЯЁ][\w.-]*)*|(?:в|во) +(?:«[^»]{1,40}»|\"[^\"]{1,40}\")|(?:им\.|имени) *[А-ЯЁ][а-яё]+(?: +[А-ЯЁ][а-яё]+)?|(?:у|за|возле|напротив) +[А-ЯЁа-яё]+(?: +[а-яё]+)?|[а-яё]+(?:ого|его|ой|ей|ых|их) +[а-яё]+(?:а|я|ов|ей|ы|и)(?![А-Яа-яЁё]))){0,3}))"
)
_RU_VENUE = re.compile(
    r"(?:(?<![А-Яа-яЁё])(?:на|в|во|у|возле|около|напротив|перед|за|вдоль|по|к|ко|рядом с|недалеко от|неподал[её]ку от|под стенами|под окнами|у стен|от|с|со|На|В|У|Возле|Около|От|С|Со|Под стенами) +|[–—] +)"
    + _RU_VENUE_BODY
)
# a place the next clause says is where: "перекрывать Манежную площадь, на которой … хотят провести сход"
# (not where a march ends: "до площади Пименова, где состоится митинг")
_RU_WHERE_CLAUSE = re.compile(r",\s+(?:(?:на|в|у|возле|около|перед)\s+(?:которой|котором|которого)|где)\s")
_RU_VENUE_WHERE = re.compile(r"(?<![А-Яа-яЁё])" + _RU_VENUE_BODY + r"\Z")


_RU_ROUTE_END_BEFORE = re.compile(r"(?<![А-Яа-яЁё])(?:до|к|ко|[А-Яа-яЁё]+\s+до)\s+(?:[А-Яа-яЁё-]+\s+)?$")
_RU_WITH = re.compile(r"[–— ]*(?:с|со|С|Со)\s")
_RU_INSTRUMENTAL_NOUN = re.compile(r"(?:ой|ей|ом|ем|ью|ами|ями)$")
_RU_INSTRUMENTAL_WORD = re.compile(r"(?:ом|ем|ым|им)$")


def _ru_with_not_from(m: re.Match[str]) -> bool:
    """'с' before a place in the instrumental ('с администрацией', or a word before it as in 'с
    решением мэрии') means 'with', not 'from'."""
    if not _RU_WITH.match(m.group(0)):
        return False
    first_word = (m.group("adj") or "").split()[:1]
    return bool(_RU_INSTRUMENTAL_NOUN.search(m.group("n"))) or bool(first_word and _RU_INSTRUMENTAL_WORD.search(first_word[0]))


def _before_where_clauses(text: str, low: str) -> Iterator[re.Match[str]]:
    """The places that end right before a where-clause, each looked for only in the few words
    before its comma (the body pattern tried at every position of a text costs too much)."""
    if "котор" not in low and "где" not in low:
        return
    for c in _RU_WHERE_CLAUSE.finditer(text):
        found = _RU_VENUE_WHERE.search(text, max(0, c.start() - 90), c.start())
        if found:
            yield found
# a line that opens with a place ("Площадь Ленина, Пермь" under a listing's date line)
_RU_VENUE_LINE = re.compile(r"[ \t]*" + _RU_VENUE_BODY)
_RU_ADDRESS = re.compile(
    r"(?P<a>(?:(?:ул\.|улица|пр-т\.?|просп\.|проспект|пр\.|пер\.|переулок|б-р|бульвар|наб\.|ш\.|шоссе|пл\.)\s*[А-ЯЁ][\w.-]*(?:\s+[А-ЯЁ][\w-]*)?"
    r"|[А-ЯЁ][а-яё]+(?:ий|ый|ой|ая)\s+(?:пр-т\.?|просп\.|проспект|пр\.|ул\.|улица|пер\.|б-р|бульвар|ш\.|шоссе))"
    r"\.?,?\s*(?:д\.\s*|дом\s*)?\d+[а-яА-Я]?(?:[/-]\d+)?(?:,?\s*(?:строение|стр\.|корпус|корп\.|к\.)\s*\d+)?)"
)


# "на пл. Ленина", "по ул. Ленина": a square is a venue, a street an address, as the text wrote them
_RU_ABBR_PLACE = re.compile(r"(?<![А-Яа-яЁё])(?P<v>(?P<k>пл|ул|пр|просп|пр-т|наб|б-р)\.? *(?:[А-ЯЁ][а-яё-]+|\d+[-‐]?(?:го|й|я)? +[А-ЯЁ][а-яё]+)(?: +[А-ЯЁ][а-яё-]+)?)(?! *,? *(?:д\.|дом)? *\d)")
_RU_HOUSE_ON = re.compile(
    r"(?<![А-Яа-яЁё])(?:дом[аеу]?|д\.) *(?:(?:№|номер) *)?(?P<n>\d+[а-я]?(?:/\d+)?) +по +(?P<adj>[А-ЯЁ][а-яё]+(?:ому|ой|ей|ему)) +(?P<kind>проспекту|улице|переулку|бульвару|шоссе|набережной|проезду)(?![А-Яа-яЁё])"
)
_RU_HOUSE_AT = re.compile(
    r"(?<![А-Яа-яЁё])(?:дом(?:ом|а|у|е)?|д\.) *(?:№|номер)? *(?P<n>\d+[а-я]?(?:/\d+)?) +(?:на|по) +(?P<kind>улице|проспекте|переулке|бульваре|шоссе|набережной) +(?P<name>[А-ЯЁ][\w-]+(?: +[А-ЯЁ][\w-]+)?)"
)
_RU_KIND_NOM_LOC = {"улице": "улица", "проспекте": "проспект", "переулке": "переулок", "бульваре": "бульвар",
                    "шоссе": "шоссе", "набережной": "набережная"}
_RU_KIND_NOM = {"проспекту": "проспект", "улице": "улица", "переулку": "переулок", "бульвару": "бульвар",
                "шоссе": "шоссе", "набережной": "набережная", "проезду": "проезд"}
_RU_BARE_ADDRESS = re.compile(r"(?<=\bна )(?P<a>[А-ЯЁ][а-яё]+(?:ой|ая|ом|ого|ов|ова|ина|ых|их|ей),\s*\d+[а-я]?)(?![\d,])")


_LINE_START = re.compile(r"(?:^|(?<=\n))(?=[ \t]*[А-ЯЁ])")
_LINE_REST = re.compile(r"[ \t]*(?:[,(][^\n.!?]{0,40})?[ \t]*(?:\n|$)")
_RU_PLACE_LINE = re.compile(r"(?:(?:^|\n)\s*(?:Место(?: проведения| сбора)?|Где)|(?<![А-Яа-яЁё])(?:время и место|место и время|место проведения|место сбора))\s*[:—–-]\s*(?P<v>[^,\n.(]{3,60}(?:\.[А-ЯЁ][^,\n(]{0,40})?)")


def _nominative_adj(adj: str, noun: str) -> str:
    """A light fix of adjective endings to the nominative ('Тверскую улицу' -> 'Тверская')."""
    feminine = noun in _RU_FEMININE
    neuter = noun in _RU_NEUTER
    plural = noun == "площади"
    many = noun == "пруды"  # 'у Наташинских прудов' -> 'Наташинские пруды'
    words = []
    for w in adj.split():
        if w == "и":
            words.append(w)
            continue
        low = w.lower()
        if many and low.endswith(("их", "ых", "ими", "ыми")):
            w = re.sub(r"(?:их|ых|ими|ыми)$", lambda m: "ие" if m.group(0)[0] == "и" else "ые", w)
        elif plural and low.endswith(("ой", "ей")):
            w = w[:-2] + "ая"
        elif feminine and low.endswith(("ую", "ой", "ей")):
            w = w[:-2] + "ая"
        elif neuter and low.endswith(("ого", "ому", "ом", "ым")):
            w = re.sub(r"(?:ого|ому|ом|ым)$", "ое", w)
        elif neuter and low.endswith(("его", "ему", "ем", "им")):
            w = re.sub(r"(?:его|ему|ем|им)$", "ее", w)
        elif not feminine and re.search(r"[кгхжшщч]им$", low):
            w = w[:-2] + "ий"  # 'перед Центральным рынком', 'с Московским вокзалом'
        elif not feminine and low.endswith(("ым", "им")):
            w = w[:-2] + "ый"
        elif not feminine and not neuter and re.search(r"^(?:город|завод|мор|дон)ск(?:ого|ому|ом)$", low):
            w = re.sub(r"(?:ого|ому|ом)$", "ой", w)  # 'городского рынка' -> 'городской рынок'
        elif not feminine and re.search(r"[кгхцч](?:ом|ого|ому)$", low):
            w = re.sub(r"(?:ом|ого|ому)$", "ий", w)
        elif not feminine and low.endswith(("ом", "ого", "ему", "ому")):
            w = re.sub(r"(?:ом|ого|ему|ому)$", "ый", w)
        words.append(w)
    return " ".join(words)


# "at horseferry road", "outside high street magistrates court": place names written in lower
# case (as some posts do), after a preposition; the first word must not be a function word
_EN_LOWER_STREET = re.compile(
    r"\b(?:at|on|outside|near|in|to|along)\s+(?P<a>(?!(?:the|a|an|this|that|our|your|their|its|his|her|every|each|any|some|main|same|other|one)\s)"
    r"[a-z]{3,}(?:\s+[a-z]{3,})?\s+(?:road|street|lane|avenue|square)(?:\s+(?:[a-z]+['\u2019]?s?\s+)?(?:court|station|library|hall|park))?)\b"
)
_EN_LOWER_STOP = re.compile(r"^(?:the|and|for|with|from|into|onto|down|up|across|over|same|other|next|main)\b")


# "на Лубянке", "на Болотной", "у ТЮЗа": a bare place name (or an abbreviation after "у"),
# used only when nothing better names the venue in the date's own sentence
_RU_WEAK_VENUE = re.compile(
    r"(?<![А-Яа-яЁё])(?:на|На) +(?P<v>[А-ЯЁ][а-яё]{3,}(?:ке|це|не|те|де|ре|ле|ой|ом|ем)(?: +[А-ЯЁ][а-яё]+(?:ке|ой|ом|е))?)(?![А-Яа-яЁё])"
    r"|(?<![А-Яа-яЁё])(?:у|возле|около|напротив|перед|У|Возле|Около|Напротив|Перед) +(?P<abbr>[А-ЯЁ]{2,6}(?:ом|а|у)?)(?![А-Яа-яЁё])"
)
_RU_MONTHS_LOC = re.compile(r"^(?:Январ|Феврал|Март|Апрел|Ма[йе]|Июн|Июл|Август|Сентябр|Октябр|Ноябр|Декабр|Украин|Кубан|Урал|Донбасс|Кавказ|Неделе)", re.I)


def _ru_nominative(word: str) -> str:
    """A light locative-to-nominative fix of a place name: Лубянке -> Лубянка, Болотной -> Болотная,
    Арбате -> Арбат, Невском -> Невский."""
    out = []
    for w in word.split():
        if w.endswith(("ке", "це")):
            w = w[:-1] + "а"
        elif w.endswith("ой"):
            w = w[:-2] + "ая"
        elif re.search(r"[кгх]ом$", w):
            w = w[:-2] + "ий"
        elif w.endswith(("ом", "ем")):
            w = w[:-2] + "ый"
        elif w.endswith("е"):
            w = w[:-1]
        out.append(w)
    return " ".join(out)


# "от X до Y", "от X … и завершится у Y": a route that starts at X
_RU_ROUTE_BEFORE = re.compile(r"(?:шестви|маршрут|марш)\w*[^.!?\n]{0,60}$", re.I)  # 'шествие по набережной, от главного корпуса …'
_RU_ROUTE_ON = re.compile(r" до | к | ко | по (?:улиц|проспект|набережн|бульвар)|заверш\w+|законч\w+|направ\w+|двин\w+|просл\w+|отправ\w+|пройд[её]т (?:по|до|к)")
_RU_SENTENCE_END = re.compile(r"(?<![А-ЯЁ])(?<!\bим)\. ")  # not after an initial: 'памятник И.В. Курчатову'
_HAS_CYR = re.compile(r"[А-Яа-яЁё]{3}")
_RU_NAME_GENITIVE = re.compile(r" ([а-яё]{4,}(?:ей|ов|ев|ых|их|а|я|ы))(?![А-Яа-яЁё])")


_LATIN_RUN = re.compile(r"[^А-Яа-яЁё]*[A-Za-z]{2}[^А-Яа-яЁё]*")
_ENGLISH = frozenset({_EN_ADDRESS, _ADDRESS_LINE, _LABEL_VENUE, _EN_CORNER, _EN_VENUE, _EN_STRONG_VENUE, _EN_STEPS_OF, _EN_THE_NAME,
                      _EN_LOWER_VENUE, _EN_LOWER_STREET, _EN_OUTSIDE, _EN_WEAK_VENUE})


# words without one of which a pattern cannot match (lower case): the text is not scanned for it
_NEEDS: dict[re.Pattern[str], tuple[str, ...]] = {
    _ADDRESS_LINE: ("ddress", "адрес"),
    _LABEL_VENUE: ("where", "venue", "location"),
    _EN_STEPS_OF: (" of ",),
    _EN_THE_NAME: (" the ",),
    _RU_HOUSE_ON: ("дом", "д."),
    _RU_HOUSE_AT: ("дом", "д."),
    _RU_ADDRESS: ("ул", "пр", "пер", "б-р", "бульвар", "наб", "ш.", "шоссе", "пл."),
    _RU_BARE_ADDRESS: ("на ",),
}


_CAPS_PAIR = re.compile(r"[A-Z][A-Z][A-Z]+[ \t]+[A-Z][A-Z][A-Z]")  # a cheap first look for _CAPS_RUN
_CAPS_RUN = re.compile(r"\b[A-Z]{3,}(?:[ \t]+(?:OF|THE|[A-Z]{3,}))*[ \t]+[A-Z]{3,}\b")


def find_places(text: str, spans: list[tuple[int, int]] | None = None) -> list[PlaceMention]:
    """Venue and address candidates, left to right; only within `spans` (start, end) when given
    (the sentences an event can draw on: scanning the rest costs a third of the time)."""
    out: list[PlaceMention] = []
    regions = spans if spans is not None else [(0, len(text))]
    if _CAPS_PAIR.search(text) and _CAPS_RUN.search(text):
        # "a demonstration … SATURDAY JUNE 5 2PM, at the STATE LIBRARY": shouted words read as a name
        # (title case keeps every offset)
        text = _CAPS_RUN.sub(lambda m: m.group(0).title(), text)

    # the Russian patterns cost as much as the English ones: run them only on Cyrillic text, and
    # the English ones only where the text is in Latin script (a Russian text's stretches between
    # its Cyrillic words that have Latin letters in them)
    cyr = bool(_HAS_CYR.search(text))
    latin_runs = [(m.start(), m.end()) for a, b in regions for m in _LATIN_RUN.finditer(text, a, b)] if cyr else regions

    low = text.lower()

    def scan(pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        words = _NEEDS.get(pattern)
        if words is not None and not any(w in low for w in words):
            return  # (a pattern that cannot match without one of its words)
        for a, b in latin_runs if pattern in _ENGLISH else regions:
            yield from pattern.finditer(text, a, b)

    for m in scan(_EN_ADDRESS):
        a = m.group("a").strip(" ,\n")
        if not re.search(r"\d", a) and not re.search(_POSTCODE, a):
            # a bare street name: keep it, the event decides whether it is venue or address
            if len(a.split()) < 2 or re.search(r"\b(?:Square|Place)$", a):
                continue
        a = re.sub(r"\s*\n\s*", ", ", a)
        out.append(PlaceMention(m.start("a"), m.start("a") + len(m.group("a").rstrip(" ,\n")), a, "address"))
    for m in scan(_ADDRESS_LINE):
        a = m.group("a").strip(" .,;")
        # "Address is: Royal Courts of Justice, Strand, London WC2A 2LL": the part after a venue
        first, _, rest = a.partition(", ")
        if rest and _EN_NOUN_END.search(first):
            a = rest
        out.append(PlaceMention(m.start("a"), m.end("a"), a, "address"))
    for m in scan(_EN_CORNER):
        a = m.group("a")
        if not m.group("strong") and not _STREET_WORD.search(a):
            continue  # "Peace and Solidarity" is not a street corner
        if re.search(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Trump|Workers|Students)\b", a, re.I):
            continue
        out.append(PlaceMention(m.start("a"), m.end("a"), a, "address"))
    # (after the addresses and corners: "Where: Jackson and LaSalle" is a corner)
    for m in scan(_LABEL_VENUE):
        v = re.split(r"\s+(?:proceeding|marching|moving|heading)\b", m.group("v").strip())[0]
        if not any(p.start <= m.start("v") < p.end or m.start("v") <= p.start < m.end("v") for p in out):
            out.append(PlaceMention(m.start("v"), m.start("v") + len(v), v, "venue"))
    for m in scan(_EN_VENUE):
        v = _trim_en(m.group("v"))
        start = m.start("v")
        if v is None and _BAD_VENUE.match(m.group("v")):
            # "on Saturday at Hyde Park Corner": the match began at a weekday; the place follows
            inner = _EN_INNER_VENUE.search(m.group("v"))
            if inner:
                start += inner.start("v")
                v = _trim_en(inner.group("v"))
        if v and not _APPOSITIVE_ORG.match(text, start + len(v)) and not _NAMES_AN_EVENT.match(text, start + len(v)):
            out.append(PlaceMention(start, start + len(v), v, "venue"))
    for m in scan(_EN_STRONG_VENUE):
        v = _trim_en(m.group("v"))
        if v and not any(p.start <= m.start("v") < p.end for p in out) and not _NAMES_AN_EVENT.match(text, m.start("v") + len(v)):
            out.append(PlaceMention(m.start("v"), m.start("v") + len(v), v, "venue"))
    for m in scan(_EN_STEPS_OF):
        out.append(PlaceMention(m.start("v"), m.end("v"), m.group("v"), "venue"))
    for m in scan(_EN_THE_NAME):
        out.append(PlaceMention(m.start("v"), m.end("v"), m.group("v"), "venue"))
    for m in scan(_EN_LOWER_VENUE):
        g = "v" if m.group("v") else "bare"
        v = re.sub(r"['\u2019]s\b", "", m.group(g))
        if g == "v" and v.split()[0] in ("The", "This", "That", "Our", "Their", "Its"):
            continue
        start = m.start(g)
        if v[:4].lower() == "the ":
            v, start = v[4:], start + 4
        out.append(PlaceMention(start, m.end(g), v, "venue"))
    for m in (scan(_RU_ADDRESS) if cyr else ()):
        out.append(PlaceMention(m.start("a"), m.end("a"), m.group("a").strip(" ,"), "address"))
    for m in (scan(_RU_PLACE_LINE) if cyr else ()):
        v = m.group("v").strip(" .,;")
        if v:
            out.append(PlaceMention(m.start("v"), m.start("v") + len(v), v, "venue"))
    for m in (scan(_RU_HOUSE_ON) if cyr else ()):
        kind = _RU_KIND_NOM[m.group("kind")]
        adj = _nominative_adj(m.group("adj"), kind if kind != "проспект" else "проспект")
        out.append(PlaceMention(m.start(), m.end(), f"{adj} {kind}, {m.group('n')}", "address"))
    for m in (scan(_RU_HOUSE_AT) if cyr else ()):
        out.append(PlaceMention(m.start(), m.end(), f"{_RU_KIND_NOM_LOC[m.group('kind')]} {m.group('name')}, {m.group('n')}", "address"))
    for m in (scan(_RU_ABBR_PLACE) if cyr else ()):
        if not any(p.start <= m.start("v") < p.end for p in out):
            out.append(PlaceMention(m.start("v"), m.end("v"), m.group("v"), "venue" if m.group("k") == "пл" else "street"))
    for m in (scan(_RU_BARE_ADDRESS) if cyr else ()):
        if not any(p.start <= m.start("a") < p.end for p in out):
            out.append(PlaceMention(m.start("a"), m.end("a"), m.group("a"), "address"))
    line_starts = [m for a, b in regions for m in _LINE_START.finditer(text, a, b)] if cyr else []
    line_places = (m for m in (_RU_VENUE_LINE.match(text, s.end()) for s in line_starts) if m)
    where_clauses = _before_where_clauses(text, low) if cyr else ()
    for m in (itertools.chain(scan(_RU_VENUE), line_places, where_clauses) if cyr else ()):
        noun = _RU_NOUNS.get(m.group("n").lower())
        if m.re is _RU_VENUE_WHERE and _RU_ROUTE_END_BEFORE.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        if m.re is _RU_VENUE_LINE and not _LINE_REST.match(text, m.end("v")):
            continue  # a line that opens with a place is that place only when it says nothing else ("Площадь Ленина, Пермь")
        if m.group(0).lstrip("–— ")[:3] in ("от ", "От ") and not _RU_ROUTE_ON.search(text, m.end("v"), m.end("v") + 80) \
                and not _RU_ROUTE_BEFORE.search(text, max(0, m.start() - 80), m.start()):
            continue  # 'от X до Y' is a route that starts at X; 'в 100 метрах от X' is not a place
        tail = (m.group("tail") or "").strip().rstrip(".,;:")
        named = None
        if m.group("n")[0].isupper() and m.group("adj") is None and not tail:
            # 'в Парке строителей', 'у Сквера борцов': a capitalised noun whose name goes on in
            # a lower-case genitive is a proper place name
            named = _RU_NAME_GENITIVE.match(text, m.end("v"))
            if named:
                tail = named.group(1)
        if m.group("n")[0].isupper() and m.group("adj") is None and m.start("v") == m.start("n") and not tail:
            continue  # a capitalised noun alone is a name's word, not a place
        if noun is None:
            continue
        adj = m.group("adj")
        if noun == "поле" and not (adj and adj[0].isupper()):
            continue  # "в правовом поле" is no place; "на Алом поле" is
        parts = []
        if adj:
            parts.append(_nominative_adj(adj, noun))
        parts.append(noun)
        if tail:
            parts.append(tail)
        v = _RU_SENTENCE_END.split(" ".join(parts))[0].rstrip(".")
        if m.group("n")[0].isupper():
            v = v[0].upper() + v[1:]
        if noun in ("дом", "метро", "суд", "здание", "офис", "вход", "проходная") and not tail and not (
            adj and adj[0].isupper() and noun == "дом"
        ):
            continue
        if noun in _RU_INSIDE and re.match(r"(?:в|во|В|Во)\s", m.group(0)):
            continue  # "согласован в администрации краевого центра", "сообщили в мэрии": who was asked, not where people stand
        if _ru_with_not_from(m):
            continue  # "согласовать с администрацией", "с решением мэрии": with what; "с площади Свободы" is from where
        along = m.group(0).lstrip("–— ")[:3] in ("по ", "По ")
        if along and noun not in ("улица", "проспект", "бульвар", "набережная"):
            continue  # 'по телевидению', 'по решению суда'
        # 'Митинг пройдет по улице Шакарима': a street walked along is where, when nothing else is
        out.append(PlaceMention(m.start("v"), m.end("v"), v, "along" if along else "venue"))
    for m in scan(_EN_LOWER_STREET):
        a = m.group("a")
        if _EN_LOWER_STOP.match(a) or any(p.start <= m.start("a") < p.end for p in out):
            continue
        out.append(PlaceMention(m.start("a"), m.end("a"), a, "venue" if a.endswith(("court", "station", "library", "hall", "park")) else "address"))
    for m in (scan(_RU_WEAK_VENUE) if cyr else ()):
        if m.group("abbr"):
            v = re.sub(r"(?<=[А-ЯЁ])(?:ом|[ау])$", "", m.group("abbr"))
            start, end = m.start("abbr"), m.end("abbr")
        else:
            if _RU_MONTHS_LOC.match(m.group("v")):
                continue
            v = _ru_nominative(m.group("v"))
            start, end = m.start("v"), m.end("v")
        if not any(p.start <= start < p.end for p in out):
            out.append(PlaceMention(start, end, v, "weak"))
    for m in scan(_EN_OUTSIDE):
        v = _CALENDAR_TAIL.sub("", m.group("v"))
        if not _BAD_VENUE.match(v) and not any(p.start <= m.start("v") < p.end for p in out):
            out.append(PlaceMention(m.start("v"), m.end("v"), v, "named"))
    for m in scan(_EN_WEAK_VENUE):
        v = m.group("v")
        if not _BAD_VENUE.match(v) and not any(p.start <= m.start("v") < p.end for p in out):
            out.append(PlaceMention(m.start("v"), m.end("v"), v, "weak"))
    out.sort(key=lambda p: (p.start, -len(p.text)))
    return out
