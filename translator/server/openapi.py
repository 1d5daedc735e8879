"""The API's description for people and programs: ``/docs`` (Swagger UI, its files served from
the ``swagger-ui-bundle`` package, so it works offline), ``/openapi.json`` and ``/spec``
(LibreTranslate's path for it).

The document is OpenAPI 3.0.3: the bundled Swagger UI (4.x) cannot read 3.1, FastAPI's default,
and shows "Unable to render this definition". :func:`openapi_30` rewrites the few 3.1-only
constructs FastAPI and pydantic write: ``anyOf`` with ``{"type": "null"}`` (``nullable``), a list
of ``examples`` (``example``), ``const`` (``enum``), a list of types, numeric
``exclusiveMinimum``/``exclusiveMaximum``, ``contentMediaType`` (``format: binary``).
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI

OPENAPI_VERSION = "3.0.3"


def _nullable(node: dict[str, Any], key: str) -> None:
    """Drop ``{"type": "null"}`` from ``node[key]`` (anyOf, oneOf), marking ``node`` nullable;
    a single remaining schema takes the list's place."""
    options = node[key]
    kept = [option for option in options if option != {"type": "null"}]
    if len(kept) == len(options):
        return
    node["nullable"] = True
    if len(kept) == 1 and "$ref" not in kept[0]:
        del node[key]
        for name, value in kept[0].items():
            node.setdefault(name, value)
    elif len(kept) == 1:  # a $ref takes no siblings in 3.0: wrap it
        del node[key]
        node["allOf"] = kept
    else:
        node[key] = kept


def _schema_30(node: dict[str, Any]) -> None:
    """Rewrite one schema object's 3.1-only keywords in place."""
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            _nullable(node, key)
    if isinstance(node.get("examples"), list):
        examples = node.pop("examples")
        if examples:
            node.setdefault("example", examples[0])
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("type"), list):
        types = [kind for kind in node["type"] if kind != "null"]
        if len(types) < len(node["type"]):
            node["nullable"] = True
        node["type"] = types[0] if types else "string"
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(exclusive)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            node[bound], node[exclusive] = value, True
    if "contentMediaType" in node:
        node.pop("contentMediaType")
        node.setdefault("format", "binary")


def openapi_30(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of the OpenAPI 3.1 ``document`` as 3.0.3 (see the module docstring). Every object
    is visited once, without recursion."""
    result = copy.deepcopy(document)
    result["openapi"] = OPENAPI_VERSION
    stack: list[Any] = [result]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            _schema_30(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return result


def install_docs(app: FastAPI, prefix: str = "") -> None:
    """``/docs``, ``/docs-assets/...`` and ``/spec`` under ``prefix`` on ``app``, and its
    ``/openapi.json`` as OpenAPI 3.0.3 (built once, on first use)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    build = app.openapi
    built: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not built:  # a race builds it twice, the same way
            built.append(openapi_30(build()))
        return built[0]

    app.openapi = openapi  # type: ignore[method-assign]
    app.openapi_version = OPENAPI_VERSION
    app.mount(f"{prefix}/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    def docs() -> Any:
        assets = f"{prefix}/docs-assets"
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or f"{prefix}/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
        )

    @app.get(f"{prefix}/spec", include_in_schema=False)
    def spec() -> Any:
        """The OpenAPI document, at LibreTranslate's path for it."""
        return openapi()
