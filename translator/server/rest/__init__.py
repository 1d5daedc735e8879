"""A LibreTranslate-compatible REST API on the page's server: the same process, port, models
and request queue (:class:`RestApi` builds the routes; server.py mounts the page beside them).

    curl -s localhost:7860/translate -d q="Dober dan." -d source=auto -d target=en

routes.py gives the routes their paths, service.py does each call's work (keys, limits,
admission, stores), work.py the translating, access.py holds the keys and limits, body.py reads
requests, replies.py words the answers and errors, schemas.py describes it all for ``/docs``;
translated files are kept by ../downloads.py, keys and suggestions by translator/system/records.py.
"""

from translator.server.rest.access import AccessPolicy, ApiKey, load_api_keys, parse_api_keys
from translator.server.rest.routes import RestApi

__all__ = ["AccessPolicy", "ApiKey", "RestApi", "load_api_keys", "parse_api_keys"]
