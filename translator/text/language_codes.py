"""Language codes and names: the model's sources, the detector's candidates, and the aliases
people pass as ``source=`` (ISO 639-2/3 codes, region and script tags)."""

from __future__ import annotations

import re

__all__ = [
    "ALIASES",
    "CANDIDATES",
    "DEFAULT_SOURCE",
    "NAMES",
    "PASSTHROUGH",
    "SUPPORTED_SOURCES",
    "UNDETERMINED",
    "language_name",
    "normalize_code",
]

# The sources of opus-mt-tc-big-zls-en, the default translation model.
SUPPORTED_SOURCES: dict[str, str] = {
    "sl": "Slovenian",
    "hr": "Croatian",
    "sr": "Serbian",
    "bs": "Bosnian",
    "bg": "Bulgarian",
    "mk": "Macedonian",
}
PASSTHROUGH = "en"
UNDETERMINED = "und"
DEFAULT_SOURCE = "sl"  # what text with no letters, or too little evidence, is taken to be

_OTHER_NAMES: dict[str, str] = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "it": "Italian",
    "es": "Spanish",
    "pt": "Portuguese",
    "nl": "Dutch",
    "cs": "Czech",
    "sk": "Slovak",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "be": "Belarusian",
    "hu": "Hungarian",
    "ro": "Romanian",
    "sq": "Albanian",
    "el": "Greek",
    "tr": "Turkish",
    "da": "Danish",
    "sv": "Swedish",
    "no": "Norwegian",
    "fi": "Finnish",
    "et": "Estonian",
    "lv": "Latvian",
    "lt": "Lithuanian",
    "ca": "Catalan",
    "gl": "Galician",
    "eu": "Basque",
    "ga": "Irish",
    "cy": "Welsh",
    "is": "Icelandic",
    "mt": "Maltese",
    "lb": "Luxembourgish",
    "la": "Latin",
    "eo": "Esperanto",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "ar": "Arabic",
    "he": "Hebrew",
    "hi": "Hindi",
    "fa": "Persian",
    "ur": "Urdu",
    "bn": "Bengali",
    "vi": "Vietnamese",
    "id": "Indonesian",
    "ms": "Malay",
    "th": "Thai",
    "ka": "Georgian",
    "hy": "Armenian",
    "kk": "Kazakh",
    "az": "Azerbaijani",
    "uz": "Uzbek",
}
# What the detector chooses among: the model's sources, English, and the languages people are
# likely to paste (a text in none of them is called the closest of them, with low confidence).
CANDIDATES: tuple[str, ...] = (*SUPPORTED_SOURCES, *_OTHER_NAMES)
NAMES = {**SUPPORTED_SOURCES, **_OTHER_NAMES, UNDETERMINED: "undetermined"}
ALIASES = {  # ISO 639-2/3 codes and old tags people pass as source=
    "slv": "sl",
    "hrv": "hr",
    "srp": "sr",
    "bos": "bs",
    "bul": "bg",
    "mkd": "mk",
    "mac": "mk",
    "eng": "en",
    "sh": "hr",
    "hbs": "hr",
    "cnr": "sr",  # Montenegrin: the Serbian rules and route
}


def language_name(code: str) -> str:
    """The English name of a language code ("sl" -> "Slovenian"); the code itself if unknown."""
    return NAMES.get(code, code)


def normalize_code(tag: str) -> tuple[str, str | None]:
    """("sr", "Cyrl") for "sr-Cyrl", "SR_cyrl_RS"; ("sl", None) for "slv" or "sl-SI"."""
    parts = re.split(r"[-_]", (tag or "").strip())
    code = ALIASES.get(parts[0].lower(), parts[0].lower())
    script = next((p.title() for p in parts[1:] if p.lower() in ("latn", "cyrl")), None)
    return code, script
