"""What a server is started with (:class:`Settings`): ``translator serve`` / ``python app.py``
options, checked once when the server is built."""

from __future__ import annotations

from dataclasses import dataclass, field

from translator.core.cache import DEFAULT_CACHE_MB, server_cache_spec
from translator.errors import InvalidInputError
from translator.options import (
    DEFAULT_BEAMS,
    DEFAULT_HOST,
    DEFAULT_MAX_CHARS,
    DEFAULT_PORT,
    MAX_ALTERNATIVES,
    MAX_FILE_BYTES,
    ServerLimits,
    check_beams,
    check_device,
    check_engine,
)
from translator.text.language import route

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """What the page is started with: ``translator serve`` / ``python app.py`` options.

    ``None`` for a model, the device or the engine means: the environment, else the default
    (:meth:`RuntimeOptions.from_env`, :func:`translator.options.model_name`). ``concurrency`` is
    the requests each model serves at once (None: 1 on CPU, 2 on a GPU). ``num_beams`` is the
    default of the page's slider and of the API endpoints. ``source`` is the page's source
    language ("auto": detected per request; the REST API's ``source`` field is the client's own).
    ``preload`` loads both models when the
    page is built, so the first request does not wait and a missing model shows at once.

    The REST API (rest/), with LibreTranslate's flags: ``api_keys_file`` (``--api-keys FILE``)
    lists keys and their limits; ``api_keys`` (``--api-keys``) turns on the keys database at
    ``api_keys_db`` (None: translator.paths.api_keys_path()); either, or ``require_api_key``
    (``--require-api-key``: every call needs a key), gives the server keys (an unknown key: 403).
    ``req_limit`` is the requests per minute of each client without a limit of its own (0: no
    limit); ``char_limit`` the characters per text (0: ``max_chars`` only, which bounds every
    request in all); ``batch_limit`` the texts per request (0: 1000); ``alternatives_limit``
    the most alternatives a call may ask for; ``suggestions`` keeps ``/suggest``'s suggestions
    in ``suggestions_db`` (None: translator.paths.suggestions_path()); ``max_file_bytes`` the
    largest document ``/translate_file`` accepts, once unpacked;
    ``disable_files_translation`` refuses it; ``disable_web_ui`` serves no page;
    ``url_prefix`` ("" or "/PATH") serves everything under a path; ``trust_forwarded_for`` takes
    a client's address from ``X-Forwarded-For`` (sent by a trusted proxy, see http.py);
    ``allow_private_urls`` lets ``/translate_url`` and the page fetch loopback, private and other
    non-public addresses (an intranet), which are refused by default (server-side request forgery);
    ``limits`` the timeouts, connection cap and admission budget of a public server.
    ``translation_cache`` (``--translation-cache``): "all" keeps each sentence's English in
    the default SQLite file (in Redis when ``shared_storage`` is a ``redis://`` URI), "off" keeps
    none, a .sqlite path or a Redis URI names the store; a LibreTranslate list of API keys is
    accepted and means "all" (the cache is per sentence, shared by every client).
    ``translation_cache_mb`` caps the SQLite file. ``shared_storage`` (``--shared-storage``):
    ``memory://``, or a Redis URI where replicas share the translation cache, the request limits
    and the translated files.

    Operations: ``metrics`` serves Prometheus metrics at ``/metrics``, only to
    ``Authorization: Bearer <metrics_auth_token>`` when that is set; ``log_format`` is "text" or
    "json" (one object per line); ``access_log`` logs one line per HTTP request.
    Raises InvalidInputError (a ValueError) naming a bad value.
    """

    translation_model: str | None = None
    summary_model: str | None = None
    device: str | None = None
    engine: str | None = None
    num_beams: int = DEFAULT_BEAMS
    source: str = "auto"
    max_chars: int = DEFAULT_MAX_CHARS
    concurrency: int | None = None
    host: str = DEFAULT_HOST
    port: int | None = DEFAULT_PORT
    share: bool = False
    auth: tuple[str, str] | None = field(default=None, repr=False)
    preload: bool = True
    api_keys_file: str | None = None
    api_keys: bool = False
    api_keys_db: str | None = None
    require_api_key: bool = False
    req_limit: int = 0
    char_limit: int = 0
    batch_limit: int = 0
    alternatives_limit: int = 3
    suggestions: bool = False
    suggestions_db: str | None = None
    url_prefix: str = ""
    disable_web_ui: bool = False
    disable_files_translation: bool = False
    trust_forwarded_for: bool = False
    allow_private_urls: bool = False
    max_file_bytes: int = MAX_FILE_BYTES
    limits: ServerLimits = field(default_factory=ServerLimits)
    translation_cache: str = "all"
    translation_cache_mb: int = DEFAULT_CACHE_MB
    shared_storage: str = "memory://"
    metrics: bool = False
    metrics_auth_token: str | None = field(default=None, repr=False)
    log_format: str = "text"
    access_log: bool = True

    def __post_init__(self) -> None:
        if self.device is not None:
            check_device(self.device)
        if self.engine is not None:
            check_engine(self.engine)
        object.__setattr__(self, "num_beams", check_beams(self.num_beams))
        route("", self.source)  # ValueError naming the valid source languages
        if self.max_chars < 1:
            raise InvalidInputError(f"max_chars (--max-chars) must be at least 1, got {self.max_chars}")
        if self.concurrency is not None and self.concurrency < 1:
            raise InvalidInputError(f"concurrency (--concurrency) must be at least 1, got {self.concurrency}")
        if self.auth is not None and (len(self.auth) != 2 or not all(self.auth)):
            raise InvalidInputError("auth must be a (user, password) pair, both non-empty")
        for name, flag in (
            ("req_limit", "--req-limit"),
            ("char_limit", "--char-limit"),
            ("batch_limit", "--batch-limit"),
            ("alternatives_limit", "--alternatives-limit"),
        ):
            if getattr(self, name) < 0:
                raise InvalidInputError(f"{name} ({flag}) must be 0 or more, got {getattr(self, name)}")
        if self.alternatives_limit > MAX_ALTERNATIVES:
            raise InvalidInputError(
                f"alternatives_limit (--alternatives-limit) must be at most {MAX_ALTERNATIVES}, "
                f"got {self.alternatives_limit}"
            )
        prefix = self.url_prefix
        if prefix and (
            not prefix.startswith("/")
            or prefix.endswith("/")
            or "//" in prefix
            or not all(c.isalnum() or c in "/-_.~" for c in prefix)
        ):
            raise InvalidInputError(
                f"url_prefix (--url-prefix) must look like /translator (a leading /, no trailing /), got {prefix!r}"
            )
        if self.max_file_bytes < 1:
            raise InvalidInputError(f"max_file_bytes (--max-file-mb) must be positive, got {self.max_file_bytes}")
        if self.translation_cache_mb < 1:
            raise InvalidInputError(
                f"translation_cache_mb (--translation-cache-mb) must be at least 1, got {self.translation_cache_mb}"
            )
        server_cache_spec(self.translation_cache, self.shared_storage)  # ValueError naming the valid ones
        if self.log_format not in ("text", "json"):
            raise InvalidInputError(f"log_format (--log-format) must be text or json, got {self.log_format!r}")
        if self.metrics_auth_token is not None and not self.metrics_auth_token.strip():
            raise InvalidInputError("metrics_auth_token (--metrics-auth-token) must not be empty")

    @property
    def keys_enabled(self) -> bool:
        """Whether the REST API has keys: a keys file, the keys database, or keys required."""
        return bool(self.api_keys_file) or self.api_keys or self.require_api_key
