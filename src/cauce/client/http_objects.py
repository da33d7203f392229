"""The HTTP client's verbs on what is not a run, gathered as one base of HttpClient:
variables, artifacts, concurrency limits, blocks and events, each in its own module."""

from __future__ import annotations

from cauce.client.http_artifacts import HttpArtifactVerbs
from cauce.client.http_blocks import HttpBlockVerbs
from cauce.client.http_concurrency_limits import HttpConcurrencyLimitVerbs
from cauce.client.http_events import HttpEventVerbs
from cauce.client.http_variables import HttpVariableVerbs


class HttpObjectVerbs(
    HttpVariableVerbs,
    HttpArtifactVerbs,
    HttpConcurrencyLimitVerbs,
    HttpBlockVerbs,
    HttpEventVerbs,
):
    """Variables, artifacts, concurrency limits, blocks and events on the cauce server."""
