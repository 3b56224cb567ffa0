"""How the app finds its service and key at start (api.credentials, the README's order), against
the demo service: $FACETER_INTEGRATION_KEY with --base-url, the keyring's key for the URL saved at
the last sign-in, and the sign-in dialog when there is no key."""

from __future__ import annotations

import pytest

from faceter_viewer.api.credentials import BASE_URL_ENV, KEY_ENV
from tests.helpers.memory_keyring import MemoryKeyring, keyring_backend
from tests.integration.test_main_window import controller, settings_dir  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    return monkeypatch


def _wait_for_session(qtbot, app):
    qtbot.waitUntil(lambda: app.session is not None, timeout=10000)
    qtbot.waitUntil(lambda: bool(app.window.browser.model.cameras()), timeout=10000)


def test_the_environment_key_and_the_base_url_flag(qtbot, controller, demo_service, no_env):  # noqa: F811
    no_env.setenv(KEY_ENV, demo_service.integration_key)
    no_env.setenv(BASE_URL_ENV, "http://127.0.0.1:9/not-this-one")  # the flag wins
    app = controller()
    app.base_url = demo_service.base_url
    app.start()
    _wait_for_session(qtbot, app)
    assert app.session.base_url == demo_service.base_url


def test_the_keyring_key_for_the_saved_url(qtbot, controller, demo_service, no_env):  # noqa: F811
    with keyring_backend(MemoryKeyring()) as backend:
        backend.set_password("faceter-viewer", demo_service.base_url, demo_service.integration_key)
        app = controller()
        app.settings.setValue("service/baseUrl", demo_service.base_url)
        app.start()
        _wait_for_session(qtbot, app)
        assert app.session.base_url == demo_service.base_url


def test_no_key_asks_for_one(qtbot, controller, demo_service, no_env):  # noqa: F811
    with keyring_backend(MemoryKeyring()):
        no_env.setenv(BASE_URL_ENV, demo_service.base_url)
        app = controller()
        app.start()
        qtbot.waitUntil(lambda: app.sign_in is not None and app.sign_in.isVisible(), timeout=5000)
        assert app.session is None and app.sign_in.url_edit.text() == demo_service.base_url
        app.sign_in.reject()
