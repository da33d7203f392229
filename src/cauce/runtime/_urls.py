"""Where the UI and the API that show a run are, for the runtime modules' *_url attributes."""

from __future__ import annotations

from cauce.settings import get_settings


def api_url() -> str | None:
    """The server's API that records this process's runs; None for the embedded store."""
    return get_settings().api.url


def ui_url(path: str) -> str:
    """`path` in the UI of the server that records this process's runs: the one at
    CAUCE_API_URL, else a `cauce server start` on this machine (which shows the
    embedded store's runs)."""
    api = api_url()
    if api is not None:
        root = api.rstrip("/").removesuffix("/api")
    else:
        server = get_settings().server
        host = "127.0.0.1" if server.host in ("0.0.0.0", "::") else server.host
        root = f"http://{host}:{server.port}"
    return f"{root}{path}"
