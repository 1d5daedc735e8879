"""The REST API's requests and answers, field for field as LibreTranslate's, plus the summary
extension. They check the parameters (after the presence checks that LibreTranslate words
itself) and describe the API in the OpenAPI document at ``/docs``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from translator.formats import SUPPORTED_SUFFIXES
from translator.options import SummaryLength

ApiKeyField = Field(None, description="API key (required when the server has a keys file)")
Confidence = Field(description="Confidence in percent, 0 to 100 (100.0 when the source was given)", ge=0, le=100)


class Params(BaseModel):
    """Request parameters: unknown fields are ignored, as LibreTranslate does."""

    model_config = ConfigDict(extra="ignore")


MAX_REQUEST_TERMS = 1000  # glossary pairs, and kept strings, in one request


class TermsRequest(Params):
    """A request's glossary and do-not-translate strings (docs: own-words.md); in a form, each
    field is the same list as JSON text."""

    glossary: list[tuple[str, str]] | None = Field(
        None,
        max_length=MAX_REQUEST_TERMS,
        description="Extension: glossary terms, [source term, English term] pairs; a source term matches its "
        "inflected forms, and the server's --glossary applies as well",
        examples=[[["predsednik vlade", "prime minister"]]],
    )
    keep: list[str] | None = Field(
        None,
        max_length=MAX_REQUEST_TERMS,
        description="Extension: strings (names, brands, codes) kept verbatim in the English",
        examples=[["NLB d.d."]],
    )

    @field_validator("glossary", "keep", mode="before")
    @classmethod
    def _json_in_a_form(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else None
            except ValueError:
                raise ValueError("must be a JSON list") from None
        return value


class TranslateRequest(TermsRequest):
    q: str | list[str] = Field(description="Text to translate, or a list of texts", examples=["Dober dan. Kako ste?"])
    source: str = Field(
        description='Source language code, or "auto" to detect it (English is returned unchanged)', examples=["auto"]
    )
    target: str = Field(description='Target language code: "en"', examples=["en"])
    format: str = Field("text", description='"text", or "html" to keep the markup (tags, attributes, entities)')
    alternatives: int = Field(
        0,
        ge=0,
        description="How many alternative translations to give as well (at most the server's --alternatives-limit)",
    )
    api_key: str | None = ApiKeyField
    summary: bool = Field(False, description="Extension: also summarise the English")
    length: SummaryLength = Field("medium", description="Extension: the summary's length")
    segments: bool = Field(
        False,
        description="Extension: also give each text's sentences, each with its English, origin (memory, cache, "
        "model, copied) and the translation memory's near matches",
    )


class DetectRequest(Params):
    q: str | list[str] = Field(description="Text whose language to detect", examples=["Dober dan. Kako ste?"])
    api_key: str | None = ApiKeyField


class SummarizeRequest(Params):
    q: str = Field(description="English text to summarise", examples=["The minister said on Monday that ..."])
    length: SummaryLength = Field("medium", description="short, medium or long")
    api_key: str | None = ApiKeyField


class TranslateFileRequest(BaseModel):
    file: str = Field(
        description=f"The document: {' '.join(SUPPORTED_SUFFIXES)} (/frontend/settings lists them too)",
        json_schema_extra={"format": "binary"},
    )
    source: str = Field(description='Source language code, or "auto"', examples=["auto"])
    target: str = Field(description='Target language code: "en"', examples=["en"])
    api_key: str | None = ApiKeyField
    glossary: str | None = Field(None, description="Extension: as /translate's glossary, as JSON text")
    keep: str | None = Field(None, description="Extension: as /translate's keep, as JSON text")


class SuggestRequest(Params):
    q: str = Field(description="The original text", examples=["Dober dan."])
    s: str = Field(description="The translation suggested for it", examples=["Good afternoon."])
    source: str = Field(description="The original text's language code", examples=["sl"])
    target: str = Field(description="The suggestion's language code", examples=["en"])
    api_key: str | None = ApiKeyField


class SuggestResponse(BaseModel):
    success: bool = Field(description="Whether the suggestion was stored")


class DetectedLanguage(BaseModel):
    confidence: float = Confidence
    language: str = Field(description="Language code (ISO 639-1), always one of those /languages lists")


class NearMatchAnswer(BaseModel):
    source: str = Field(description="A translation memory sentence close to this one")
    target: str = Field(description="Its approved English")
    score: float = Field(description="The fuzzy ratio, 0 to 1", ge=0, le=1)


class SegmentAnswer(BaseModel):
    source: str
    target: str = Field(description="Its English")
    start: int = Field(description="Where it starts in the text (or in its unit, for HTML)")
    end: int
    paragraph: int
    translated: bool = Field(description="False for a piece copied as it is (numbers, English)")
    warnings: list[str]
    score: float | None = Field(description="The model's mean log-probability; null unless the model made it")
    origin: Literal["memory", "cache", "model", "copied"] = Field(
        description="Where the English came from: the translation memory, the sentence cache, the model, or copied"
    )
    matches: list[NearMatchAnswer] = Field(description="The translation memory's near matches, shown, not applied")


class TranslateResponse(BaseModel):
    translatedText: str | list[str] = Field(description="The English (a list for a list)")
    detectedLanguage: DetectedLanguage | list[DetectedLanguage] | None = Field(
        None, description='Only for "source": "auto": the language of each text'
    )
    alternatives: list[str] | list[list[str]] | None = Field(
        None, description="Only with alternatives > 0: other translations of the text (a list per text for a list)"
    )
    summary: str | list[str] | None = Field(None, description="Only with summary=true")
    segments: list[SegmentAnswer] | list[list[SegmentAnswer]] | None = Field(
        None, description="Only with segments=true: each text's sentences (a list per text for a list)"
    )
    warnings: list[str] | list[list[str]] | None = Field(
        None,
        description="Extension, only where a glossary or kept strings apply: the translation's warnings, "
        "among them each glossary term or kept string its English lacks",
    )


class TranslateFileResponse(BaseModel):
    translatedFileUrl: str = Field(description="Where to download the translated file (kept for 30 minutes)")


class SummarizeResponse(BaseModel):
    summary: str


class LanguageInfo(BaseModel):
    code: str
    name: str = Field(description="The language's name in English")
    targets: list[str] = Field(description="The codes it can be translated into")


class ErrorResponse(BaseModel):
    error: str = Field(description="What is wrong, in LibreTranslate's words for the same case")
    hint: str | None = Field(None, description="What to do about it, when there is more to say")


class FrontendLanguage(BaseModel):
    code: str
    name: str


class FrontendLanguages(BaseModel):
    source: FrontendLanguage
    target: FrontendLanguage


class FrontendSettings(BaseModel):
    charLimit: int = Field(description="Characters per request for callers without a limit of their own")
    frontendTimeout: int
    apiKeys: bool = Field(description="Whether the server has a keys file")
    keyRequired: bool = Field(description="Whether every call needs a key")
    suggestions: bool
    filesTranslation: bool
    supportedFilesFormat: list[str]
    language: FrontendLanguages
    getApiKeyLink: str | None = Field(None, description="Where to get a key (--get-api-key-link), when set")
    underAttack: bool | None = Field(None, description="Every call needs a key (--under-attack), when set")


class Health(BaseModel):
    status: Literal["ok"] = Field(description='Always "ok" while the server answers, as LibreTranslate')


class Readiness(BaseModel):
    status: Literal["ok", "degraded", "loading", "unavailable"]
    engines: dict[str, str] = Field(description="Each model's engine (e.g. 'hf on cpu'), or why it is missing")
    shared_storage: Literal["ok", "unavailable"] | None = Field(
        None, description="With --shared-storage redis://...: whether it answers"
    )


# FastAPI's ``responses`` type (keys: status codes, or "default", "4XX")
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (400, "Invalid request"),
        (403, "Missing or invalid API key, or disabled on this server"),
        (413, "Request or file too large"),
        (429, "Slow down: too many requests"),
        (503, "A model is not available"),
    )
}


def body_schema(model: type[BaseModel], *media_types: str) -> dict:
    """``openapi_extra`` for a route that reads ``model``'s fields from any of ``media_types``
    (the route parses the body itself, to accept both JSON and forms as LibreTranslate does)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {"requestBody": {"required": True, "content": {media: {"schema": schema} for media in media_types}}}
