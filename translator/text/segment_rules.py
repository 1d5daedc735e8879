"""The sentence-splitting rule sets: abbreviation lists per language family, and which set a
language tag gets (used by :mod:`translator.text.segment`).

====  =====================================================  ==========================================
set   languages                                              on top of Moses' generic rules
====  =====================================================  ==========================================
sl    Slovenian                                              Moses' Slovenian prefixes + the lists here
hr    Croatian, Bosnian, Serbian in Latin script             the lists here (Moses ships none)
bg    Bulgarian, Macedonian, Serbian/Croatian/Bosnian in     the lists here: Cyrillic abbreviations of
      Cyrillic script                                        all three languages
en    English                                                Moses' English prefixes + the lists here
====  =====================================================  ==========================================

Serbian, Croatian and Bosnian take "bg" when the tag says Cyrillic ("sr-Cyrl") or, with no script in
the tag, when most letters of the text are Cyrillic. The lists draw on the ReLDI tokeniser's
abbreviation lists (Apache-2.0) and on news usage; every word is lower case, without its period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from translator.text.language_codes import ALIASES

__all__ = ["GENERIC", "RULES", "Rules", "rule_set"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Rules:
    """Abbreviations (lower case, without the dot) that Moses' lists miss or get wrong."""

    never_break: frozenset[str] = frozenset()  # titles and the like: never end a sentence
    numeric_only: frozenset[str] = frozenset()  # "str. 5": no break before a number
    # "itd. Nato": break before a capital; two words ("i dr") for "etc." written as two
    sentence_final: frozenset[str] = frozenset()
    before_code: frozenset[str] = frozenset()  # "5 mio. EUR": no break before a currency code
    # a unit after a number, where a sentence may end ("2005 г.", "v 19. st."), a title anywhere
    # else ("г. Петровић", "St. Louis")
    after_number: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()  # "čl. 199. Zakona": an ordinal number follows
    ambiguous_titles: frozenset[str] = frozenset()  # "ga." is a title after these words only
    title_context: frozenset[str] = frozenset()
    ordinal_preps: frozenset[str] = frozenset()  # "na 75. Berlinalu": ordinal after a preposition


_SL_PREPOSITIONS = _words("na v ob za do od po pred med s z k h pri o nad pod proti brez iz izpod")
_HR_PREPOSITIONS = _words(
    "na u o za do od po pred među medju s sa k ka pri nad pod prema bez iz nakon prije poslije posle "
    "tijekom tokom oko kroz uoči zbog"
)
_CYRILLIC_PREPOSITIONS = _words(
    "на у о за до од по пред међу меѓу с са со к ка при над под према кон без из након током око "
    "кроз уочи због в във от след преди през към"
)

# Month abbreviations: no break before a day or a year ("7. jan. 2025").
_LATIN_MONTHS = (
    "jan feb febr mar apr jun jul avg aug sep sept okt nov dec sij velj ožu tra svi lip srp kol ruj lis stu pro"
)
_CYRILLIC_MONTHS = "ян яну јан фев февр феб мар апр авг сеп септ окт ное ноем нов дек"

RULES: dict[str, Rules] = {
    "sl": Rules(
        never_break=_words(
            "prof doc izr dr ddr mag mr g gdč sv akad univ dipl ing spec pok npr oz tj t i t.i "
            "prim gl op ca cca pribl angl ang nem lat franc ital hrv srb rus špan"
        ),
        numeric_only=_words("št str l čl odst tč pogl tab tel zv letn izd sl s pril"),
        sentence_final=_words("itd itn ipd idr"),
        before_code=_words("mio mrd tis mil milj mlrd"),
        after_number=_words("st"),
        ambiguous_titles=frozenset({"ga"}),  # "ga" is also the pronoun: "Prijeli so ga. Policija …"
        title_context=_SL_PREPOSITIONS | _words("in ter ali oz. kot da ki"),
        ordinal_preps=_SL_PREPOSITIONS,
    ),
    "hr": Rules(
        never_break=_words(
            "prof doc izv red dr mr sc pr mag dipl ing inž akad univ bacc spec prim oec iur "
            "gosp gđa gđica sv bl vlč mons msgr pok gen pukov puk zam ur v.d ul npr tzv tj odn oz "
            "ca cca pribl usp engl eng njem lat franc tal rus hrv srp"
        ),
        numeric_only=_words(f"br čl st str sl tč toč t al gl izd vol odj {_LATIN_MONTHS}"),
        sentence_final=_words("itd itsl i.dr i.sl") | frozenset({"i dr", "i sl", "i tsl", "i sur"}),
        before_code=_words("mil mlrd mlr milj tis"),
        after_number=_words("g st"),
        articles=_words("čl st t tč toč al"),
        ordinal_preps=_HR_PREPOSITIONS,
    ),
    "bg": Rules(
        never_break=_words(
            "проф доц акад пр ген полк адм арх инж др гл ас зам изп дир ред бел гр ул бул пл кв обл общ "
            "с р о вр св напр т.е т.нар т.н тзв тј нпр одн вж ср ок прибл англ нем лат фр рус срп хрв"
        ),
        numeric_only=_words(f"бр чл ал т стр ст изд год {_CYRILLIC_MONTHS}"),
        sentence_final=_words("итд итн итсл") | frozenset({"и др", "и сл", "и т.н", "и пр", "и тсл"}),
        before_code=_words("млн млрд мил милј хил"),
        after_number=_words("г в ст"),
        articles=_words("чл ст т ал"),
        ordinal_preps=_CYRILLIC_PREPOSITIONS,
    ),
    "en": Rules(
        never_break=_words("mr mrs ms dr prof sen rep gov gen lt col sgt capt rev hon pres supt atty"),
        numeric_only=_words("no nos art nr p pp vol ch fig eq"),
        sentence_final=frozenset({"etc"}),
    ),
}
GENERIC = Rules()

_SERBO_CROATIAN = frozenset({"hr", "bs", "sr"})
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SAMPLE = 4000  # characters looked at to tell the script


def rule_set(lang: str, text: str = "") -> str:
    """The name of the rule set for ``lang`` ("sl", "sl-SI", "slv", "sr-Cyrl", "mk"...): a key of
    :data:`RULES`, or the two-letter code of a language without rules, or "" for what is no
    language code. Serbian, Croatian and Bosnian with no script in the tag are looked at: mostly
    Cyrillic ``text`` takes the Cyrillic set."""
    parts = (lang or "").strip().lower().replace("_", "-").split("-")
    code = ALIASES.get(parts[0], parts[0])
    if not re.fullmatch(r"[a-z]{2}", code):
        return ""
    if code in _SERBO_CROATIAN:
        if "cyrl" in parts[1:]:
            return "bg"
        if "latn" in parts[1:]:
            return "hr"
        sample = text[:_SAMPLE]
        return "bg" if len(_CYRILLIC.findall(sample)) > len(_LATIN.findall(sample)) else "hr"
    return "bg" if code == "mk" else code
