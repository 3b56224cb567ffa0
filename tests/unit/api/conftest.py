"""Fixtures for the API layer's unit tests."""

from __future__ import annotations

import pytest

from tests.helpers.api_fakes import SleepRecorder


@pytest.fixture
def sleeps() -> SleepRecorder:
    """Inject as `sleep=`: retries record their delays instead of waiting."""
    return SleepRecorder()
