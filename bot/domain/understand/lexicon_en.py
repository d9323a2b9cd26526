"""English cues, month and weekday names, number words."""

from __future__ import annotations

import re

from .lexicon import Lexicon, cue

_B = r"\b"

CUES = (
    # crackdown: state violence, arrests, killings of protesters or strikers
    cue("crackdown", "crackdown", 3, r"\bcrack(?:s|ed|ing)?\s+down\b|\bcrackdowns?\b"),
    cue("shot", "crackdown", 3, r"\bshot (?:dead|at)\b|\bshoot(?:ing)? (?:at|to kill|without warning)\b"),
    cue("open_fire", "crackdown", 3, r"\bopen(?:ed)? fire\b|\bfired (?:on|at|into) (?:the )?(?:\w+ )?(?:crowds?|protesters|demonstrators|workers|miners|strikers|marchers|students)"),
    cue("massacre", "crackdown", 3, r"\bmassacres?\b"),
    cue("force", "crackdown", 3, r"\b(?:excessive|lethal|brutal) (?:use of )?force\b|(?<!against )(?<!protest )(?<!protesting )(?<!over )(?<!end )(?<!stop )\bpolice (?:violence|brutality)\b"),
    cue("weapons", "crackdown", 3.5, r"\btear ?gas(?:sed)?\b|\bpepper[- ]spray(?:ed|ing)?\b|\bkettl(?:ed|ing)\b|\btasered\b|\brubber bullets\b|\blive (?:bullets|ammunition|rounds|fire)\b|\bwater cannons?\b|\bbatons?\b|\bstun grenades?\b|\bfirearms\b"),
    cue("arrest_protesters", "crackdown", 3, r"\b(?:arrest(?:ed|ing)?|detain(?:ed|ing)?|round(?:ed)? up) (?:at least |more than |over |nearly |some |dozens of |hundreds of )?(?:\d[\d,]* |\w+ )?(?:protesters|demonstrators|activists|strikers|marchers|picketers|students|workers)\b"),
    # a march in support of people arrested earlier is a call, not a report of arrests
    cue("for_the_arrested", "crackdown", -2.5, r"\bsupport(?:ers)? (?:of|for) (?:those|the people|the workers|the activists) (?:arrested|detained|jailed)\b|\bsolidarity (?:with|for) (?:the )?(?:prisoners|detainees|those arrested)\b|\bfree (?:the|all) (?:prisoners|detainees)\b"),
    cue("arrest", "crackdown", 2, r"\barrest(?:s|ed|ing)?\b|\bdetain(?:s|ed|ing|ees?)?\b|\bdetentions?\b|\bin custody\b|\brounded up\b|\bswept up\b|\bjailed\b"),
    cue("disperse", "crackdown", 2, r"\bdispers(?:e|ed|ing)\b|\bbroke up\b|\bbreak (?:it|them|the \w+) up\b|\bviolently attacked\b|\braid(?:s|ed)?\b|\bstormed\b"),
    cue("abuse", "crackdown", 1.5, r"\btortur(?:e|ed|ing)\b|\bill-treatment\b|\bbeat(?:en|ings?)\b|\babusive\b|\bpersecut(?:ed|ion|ions)\b"),
    cue("kill", "crackdown", 1.5, r"\bkill(?:ed|ing|ings)?\b|\bdeaths?\b|\bdeadly\b|\bdead\b"),
    cue("injure", "crackdown", 1, r"\binjur(?:ed|ies|ing)\b|\bwounded\b"),
    cue("forces", "crackdown", 1, r"\b(?:riot police|security forces|police|troops|law enforcement|national guard|soldiers)\b"),
    cue("ban", "crackdown", 2.5, r"\bban(?:s|ned)? (?:on )?(?:assembly|protests?|rall(?:y|ies)|demonstrations?|strikes?)\b"),
    cue("violence", "crackdown", 1, r"\bviolen(?:ce|t)\b|\bclash(?:es|ed)?\b|\bunrest\b"),
    # strike: labour action
    cue("on_strike", "strike", 3, r"\b(?:on|went on|go on|gone on|going on|began a|begin a|started a|start a|called a|call a|hold|held|staged?|indefinite|all-out|general|wildcat|\d+-(?:hour|day)|one-day|national|pay|unofficial|hunger|sit-down|rolling|continuing|miners'?|workers'?) strikes?\b", needs=("strike",)),
    cue("strikers", "strike", 3, r"\bstrikers\b|\bstriking (?:\w+ )?(?:workers|miners|teachers|nurses|doctors|drivers|staff|employees|dockers)\b"),
    cue("strike_vote", "strike", 3, r"\bvot(?:e|ed|ing) (?:overwhelmingly )?(?:to strike|for strikes?|for industrial action)\b|\bstrike (?:ballot|action|wave|vote|committee|pay)\b"),
    cue("bandh", "strike", 3, r"\bbandhs?\b|\bhartals?\b"),
    cue("walkout", "strike", 2.5, r"\bwalk(?:ed|ing|s)? (?:out|off the job)\b|\bwalkouts?\b|\bthreaten(?:s|ed)? to walk out\b"),
    cue("stoppage", "strike", 2.5, r"\bstoppages?\b|\block-?outs?\b|\blocked out\b|\bindustrial action\b|\bwork-to-rule\b|\bpicket lines?\b|\bsit-ins?\b|\boccupation of the (?:factory|plant|mine|site)\b"),
    cue("strike_word", "strike", 1, r"\bstrikes?\b"),
    # a strike named as the workers' own: "on strike", "this strike", "a three-day strike"
    cue("strike_named", "strike", 2, r"\b(?:on|this|the|our|their|ongoing|indefinite|general|national|wildcat|(?:\d+|one|two|three|24|48)[- ](?:day|hour|week)) strike\b", needs=("strike",)),
    cue("labour", "strike", 0.5, r"\bunions?\b|\btrade union\b|\bpay (?:dispute|rise|cut|increase)\b|\bwages?\b|\bsalar(?:y|ies)\b|\bwage arrears\b"),
    # protest call: a protest noun and an invitation or a future announcement
    cue("protest_noun", "protest", 1, r"\b(?:demonstrate|peaceful (?:gathering|assembly)|dharnas?|gheraos?|agitations?|rasta roko|rail roko|chakka jam|blockades?|lobby of|mass lobby|the lobby|rall(?:y|ies)|protests?|counter-?protests?|counter-?demonstrations?|demonstrations?|demo|(?<!\d )march(?:es)?(?!\s+\d{1,2}(?:st|nd|rd|th)?\b|,?\s+(?:19|20)\d\d)|marching|pickets?|picketed|picketing|vigils?|sit-in|mobili[sz]ation|day of (?:action|protest)|call to action)\b"),
    cue("streets", "protest", 1, r"\b(?:fill|flood|hit|take to|pack) the streets\b"),
    # "Protesters will gather at ...": the people of a protest, announced, stand for its noun
    cue("crowd_will", "protest", 1, r"\b(?:protesters|demonstrators|marchers|campaigners|activists|strikers|picketers)\s+(?:will|plan to|are (?:expected|set|planning|due|invited|asked|urged) to|intend to)\s+(?:gather|rally|march|assemble|protest|picket|demonstrate|converge|meet|go|sit)\b"),
    cue("invite", "call", 2, r"\bjoin (?:us|the|our)\b|\battend\b|\bcome (?:to|along)\b|\bturn out\b|\bbe there\b|\bwe urge\b|\bplease hold\b|\bspread the word\b|\bget down to it\b|\ball welcome\b|\bwill you\?"),
    cue("announce", "call", 1.5, r"\bwill (?:take place|be held|rally|march|gather|assemble|begin|start|continue|be)\b|\bis (?:due|planned|called|scheduled)\b|\bwill hold\b|\bplans? to (?:stage|hold)\b|\bto (?:stage|hold) a (?:rally|protest|demonstration|picket|march|vigil)\b|\bcalled a (?:rally|protest|demonstration|picket)\b|\bconven(?:es|ing)\b|\bassembl(?:e|ing)\b|\ballowed .{0,40}to hold\b"),
    cue("where_when", "call", 1, r"^\s*(?:what|where|when):"),
    cue("past_report", "past", 1.5, r"\btook to the streets\b|\bwas held\b|\bgathered\b|\bparticipated\b|\bmarched\b|\brallied\b|\btook place\b|\bwere held\b|\bwas staged\b|\bstaged an?\b|\bprotested\b|\bdemonstrated\b|\bturned out\b|\bshowed up\b|\bheld (?:a|an|their|its) (?:\w+ )?(?:rally|protest|march|vigil|demonstration|picket|sit-in)\b"),
    # when a sentence says the thing is behind us, whatever else it says
    cue("past_time", "past", 1, r"\byesterday\b|\blast (?:week|weekend|night|month|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\bearlier (?:today|this week)\b"),
    # hard negatives
    cue("protest_vote", "neg_protest", 4, r"\bprotest vot(?:e|es|ing)\b"),
    cue("commemoration", "nonprotest", 2, r"\bminute['\u2019]?s silence\b|\bminute of silence\b|\bremembrance (?:service|day|sunday)\b|\bmemorial service\b|\bwreath[- ]laying\b"),
    cue("show", "nonprotest", 2, r"\bconcerts?\b|\bgigs?\b|\b(?:uk |world )?tour\b|\bband\b|\bdoors\b|\bfestival\b|\btickets?\b|\bproduct launch\b|\blaunch event\b|\bkeynote\b|\bpublic meeting\b|\bto discuss\b|\bmarching bands?\b|\b5k\b|\bfun run\b|\bwalk/run\b|\bcooking demos?\b"),
    cue("lightning", "weather", 4, r"\blightning\b|\bthunderstorms?\b"),
    cue("military", "military", 3, r"\bair ?strikes?\b|\bairstrikes?\b|\bmissiles?\b|\bdrone strikes?\b|\bshelling\b|\bbombing\b|\bmilitary coalition\b|\bcoalition (?:air ?strikes?|forces|jets|warplanes|troops|aircraft)\b"),
    cue("sport", "sport", 2, r"\bgoal\b|\bfree-kick\b|\bstriker\b|\bmidfielder\b|\bfootball\b|\bmatch between\b|\bscored?\b"),
    # context: who the violence is aimed at
    cue("shoot_order", "context", 1, r"\bshoot(?:ing)? (?:to kill|without warning)\b|\bshoot-to-kill\b"),
    cue("ctx_people", "context", 1, r"\bprotest(?:ers|ors|s|ing)?\b|\bdemonstrat(?:ors|ions?)\b|\brall(?:y|ies)\b|\bmarch(?:es)?\b|\bstrik(?:e|es|ers|ing)\b|\bworkers\b|\bactivists?\b|\bopposition\b|\bdissidents?\b|\bunions?\b|\bpicket\w*\b|\bunrest\b|\buprising\b|\brioters\b|\bcrowds?\b"),
)

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a hundred": 100,
    "a dozen": 12, "dozen": 12,
}

FIGURE_WORDS = {
    "killed": re.compile(
        r"\b(?:killed|shot dead|dead|died|deaths|death toll|murdered|lost their lives|killing|were killed|fatalities)\b",
        re.I,
    ),
    "injured": re.compile(r"\b(?:wounded|injured|hurt|injuries|hospitali[sz]ed)\b", re.I),
    "arrested": re.compile(
        r"\b(?:arrested|detained|detentions|arrests|detainees|taken into custody|swept up|rounded up|jailed)\b",
        re.I,
    ),
}

NOT_PEOPLE = re.compile(
    r"^\s*(?:-?years?|-year-old|years?-old|%|per ?cent|days?|hours?|minutes?|weeks?|months?|km|miles?|kilo\w*|tonnes?|pounds?|dollars?|euros?|occasions?|videos?|times|mines?|cities|towns|countries|regions|police\w*|officers?|troops|soldiers|participants|strikers|members|votes?)\b",
    re.I,
)

LEXICON = Lexicon(
    lang="en",
    cues=CUES,
    months=MONTHS,
    weekdays=WEEKDAYS,
    number_words=NUMBER_WORDS,
    figure_words=FIGURE_WORDS,
    not_people=NOT_PEOPLE,
)
