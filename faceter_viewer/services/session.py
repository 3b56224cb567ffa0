"""The signed-in session: one IntegrationClient, the camera list, per-camera archive clients,
the shared worker pool (`runner`), the app's message path (`messages`) and whether the service
is reachable (`connectivity`, services/connectivity.py).

Every call runs on the session's TaskRunner; results arrive as signals on the GUI thread. Every
service and view-model of the session submits through its own TaskGroup on that one runner, so
the thread count does not grow with the number of cameras on screen.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from faceter_viewer.api import errors
from faceter_viewer.services.connectivity import ConnectivityMonitor
from faceter_viewer.services.messages import MessageHub
from faceter_viewer.services.tasks import TaskGroup, TaskRunner

if TYPE_CHECKING:  # httpx and pydantic load with the client, not with this module
    from faceter_viewer.api.archive import ArchiveClient
    from faceter_viewer.api.integration import IntegrationClient
    from faceter_viewer.api.models import Camera
    from faceter_viewer.services.archive_proxy import ArchiveProxy
    from faceter_viewer.services.exports.queue import ExportQueue

log = logging.getLogger("faceter_viewer.services.session")


class Session(QObject):
    cameras_loaded = Signal(list)  # list[Camera]
    cameras_failed = Signal(object)  # FaceterError
    key_rejected = Signal(object)  # AuthenticationError: the app asks for the key again (§2)

    def __init__(
        self,
        client: IntegrationClient,
        runner: TaskRunner,
        parent: QObject | None = None,
        *,
        messages: MessageHub | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.runner = runner
        self.messages = messages if messages is not None else MessageHub(self)
        self._tasks = TaskGroup(runner)
        self._cameras: dict[str, Camera] = {}
        self._archives: dict[str, ArchiveClient] = {}
        self._archive_proxy: ArchiveProxy | None = None
        self._exports: ExportQueue | None = None
        self.loading = False
        self._cameras_wait_for_service = False  # the last camera list got no answer
        self.connectivity = ConnectivityMonitor(client.validate_key, TaskGroup(runner), self.messages, self)
        self.connectivity.recovered.connect(self._on_connectivity_recovered)

    @property
    def base_url(self) -> str:
        return self.client.base_url

    def cameras(self) -> list[Camera]:
        return list(self._cameras.values())

    def camera(self, camera_id: str) -> Camera | None:
        return self._cameras.get(camera_id)

    def refresh_cameras(self) -> None:
        """Load the camera list in the background (a newer refresh supersedes an older one)."""
        self.loading = True
        self._tasks.submit(
            self.client.list_cameras,
            on_done=self._on_cameras_done,
            on_error=self._on_cameras_error,
            key="cameras",
        )

    def archive(self, camera: Camera) -> ArchiveClient:
        """The camera's Archive API client (kept, so its token refreshes are shared). Raises
        PermissionDeniedError for a camera without archive access."""
        client = self._archives.get(camera.id)
        if client is None:
            client = self.client.archive(camera)
            self._archives[camera.id] = client
        return client

    def archive_proxy(self) -> ArchiveProxy:
        """The session's loopback proxy that feeds archive playlists and segments to players
        (services/archive_proxy.py); its port opens on first use, it closes with the session."""
        if self._archive_proxy is None:
            from faceter_viewer.services.archive_proxy import ArchiveProxy

            self._archive_proxy = ArchiveProxy()
        return self._archive_proxy

    def report(self, exc: BaseException) -> bool:
        """Route an error. True when it is taken care of and the caller shows nothing: a
        rejected key ends the session (the app asks for the key again), a request without an
        answer is the connectivity monitor's one message. False: the caller's to show."""
        if isinstance(exc, errors.AuthenticationError):
            self.key_rejected.emit(exc)
            return True
        return self.connectivity.report(exc)

    @property
    def exports(self) -> ExportQueue:
        """The session's export jobs (made on first use: it opens the job store and resumes the
        unfinished jobs of this service)."""
        if self._exports is None:
            from faceter_viewer.services.exports.queue import ExportQueue

            self._exports = ExportQueue(self.client, messages=self.messages, parent=self)
        return self._exports

    def tasks(self) -> TaskGroup:
        """A new group of tasks on the session's shared pool, for one service or view-model."""
        return TaskGroup(self.runner)

    def close(self) -> None:
        if self._exports is not None:
            self._exports.close()  # running jobs stop, to resume at the next start
        self.connectivity.close()
        self._tasks.close()
        if self._archive_proxy is not None:
            self._archive_proxy.close()
        self.client.close()

    def _on_cameras_done(self, cameras: list[Camera]) -> None:
        self.loading = False
        self._cameras_wait_for_service = False
        self._cameras = {camera.id: camera for camera in cameras}
        # Archive clients for cameras that are gone, or whose grant changed, are dropped.
        self._archives = {
            cid: client
            for cid, client in self._archives.items()
            if cid in self._cameras and self._cameras[cid].has_archive_access
        }
        self.cameras_loaded.emit(cameras)

    def _on_cameras_error(self, exc: BaseException) -> None:
        self.loading = False
        log.warning("camera list failed: %s", exc)
        self._cameras_wait_for_service = self.report(exc) and not isinstance(exc, errors.AuthenticationError)
        self.cameras_failed.emit(exc)

    def _on_connectivity_recovered(self) -> None:
        if self._cameras_wait_for_service:
            self.refresh_cameras()
