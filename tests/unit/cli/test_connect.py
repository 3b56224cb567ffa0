"""The CLI takes its service URL and key from api.credentials (the README's order) and turns a
missing or unreadable key into the documented exit codes, before any request is sent."""

from __future__ import annotations

import pytest

from faceter_viewer.api.credentials import BASE_URL_ENV, KEY_ENV
from faceter_viewer.cli.main import EXIT_AUTH, EXIT_USAGE, build_parser, main
from faceter_viewer.cli.commands import connect
from tests.helpers.memory_keyring import MemoryKeyring, keyring_backend

URL = "https://cli.test/integration-api"


@pytest.fixture
def keyring(monkeypatch):
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    monkeypatch.delenv(KEY_ENV, raising=False)
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


def test_connect_uses_the_environment_url_and_the_keyring_key(keyring, monkeypatch):
    monkeypatch.setenv(BASE_URL_ENV, URL)
    keyring.set_password("faceter-viewer", URL, "stored-key-123")
    with connect(build_parser().parse_args(["cameras"])) as client:
        assert client.base_url == URL
        assert client._http._client.headers["X-Integration-Key"] == "stored-key-123"


def test_the_base_url_flag_chooses_which_stored_key(keyring, monkeypatch):
    monkeypatch.setenv(BASE_URL_ENV, "https://other.test/integration-api")
    keyring.set_password("faceter-viewer", URL, "stored-key-123")
    with connect(build_parser().parse_args(["--base-url", URL, "cameras"])) as client:
        assert client.base_url == URL


def test_no_key_exits_with_the_authentication_code(keyring, capsys):
    assert main(["--base-url", URL, "cameras"]) == EXIT_AUTH
    err = capsys.readouterr().err
    assert "no integration key" in err and f"${KEY_ENV}" in err and "--key-file" in err


def test_an_unreadable_key_file_is_a_usage_error(keyring, tmp_path, capsys):
    missing = tmp_path / "no-such-key"
    with pytest.raises(SystemExit) as exited:
        main(["--base-url", URL, "--key-file", str(missing), "cameras"])
    assert exited.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"cannot read the key file {missing}: No such file or directory" in err
