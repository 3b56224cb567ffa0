"""A Session on the demo service with the app's shared pool, recording what it posts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from faceter_viewer.app import WORKERS
from faceter_viewer.services.messages import Message
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner


@pytest.fixture
def session(demo_client) -> Iterator[Session]:
    """`session.posted` lists the messages posted to it, in order."""
    runner = TaskRunner(max_workers=WORKERS, name="faceter-worker")
    session = Session(demo_client, runner)
    session.posted: list[Message] = []  # type: ignore[misc]
    session.messages.posted.connect(session.posted.append)
    yield session
    session.close()
    runner.shutdown()
