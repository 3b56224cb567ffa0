"""The Faceter API layer: models, clients, errors, retry policy, secret redaction. No Qt here.

The clients are imported on first use, so that the app's start-up (and `faceter-viewer --help`)
does not pay for httpx and pydantic before it needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faceter_viewer.api.archive import ArchiveClient
    from faceter_viewer.api.integration import IntegrationClient

__all__ = ["ArchiveClient", "IntegrationClient"]


def __getattr__(name: str) -> Any:
    if name == "ArchiveClient":
        from faceter_viewer.api.archive import ArchiveClient

        return ArchiveClient
    if name == "IntegrationClient":
        from faceter_viewer.api.integration import IntegrationClient

        return IntegrationClient
    raise AttributeError(name)
