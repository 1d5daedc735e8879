"""A port to listen on, checked before anything slow is imported or loaded."""

from __future__ import annotations

import socket


def check_port(host: str, port: int) -> None:
    """OSError naming ``--port`` when ``host``:``port`` cannot be listened on. Here, away from the
    page (gradio) and the models, so that ``python app.py`` on a busy port says so at once, before
    seconds of imports and model loading."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(
                f"cannot listen on {host}:{port} ({exc.strerror}): the port is busy or not "
                "allowed; choose another with --port"
            ) from None
