"""The Faceter API layer: models, clients, errors, retry policy, secret redaction. No Qt here."""

from faceter_viewer.api.archive import ArchiveClient
from faceter_viewer.api.integration import IntegrationClient

__all__ = ["ArchiveClient", "IntegrationClient"]
