"""Which service URL and which key a run uses (the README's order), in the one place both the CLI
and the app take them from: faceter_viewer.api.credentials."""

from __future__ import annotations

import pytest

from faceter_viewer.api import rules
from faceter_viewer.api.credentials import (
    BASE_URL_ENV,
    KEY_ENV,
    KeyFileError,
    KeyStore,
    resolve_base_url,
    resolve_key,
)
from tests.helpers.memory_keyring import MemoryKeyring, keyring_backend

FLAG_URL = "https://flag.test/integration-api"
ENV_URL = "https://env.test/integration-api"
SAVED_URL = "https://saved.test/integration-api"


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    monkeypatch.delenv(KEY_ENV, raising=False)
    return monkeypatch


@pytest.fixture
def keyring(clean_env):
    """A working keyring that is not the developer's; KeyStore() reads from it."""
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


# --- base URL: --base-url, $FACETER_BASE_URL, (the app's saved URL), production ------------------


def test_the_flag_wins_over_everything(clean_env):
    clean_env.setenv(BASE_URL_ENV, ENV_URL)
    assert resolve_base_url(FLAG_URL, saved=SAVED_URL) == FLAG_URL


def test_the_environment_comes_next(clean_env):
    clean_env.setenv(BASE_URL_ENV, ENV_URL)
    assert resolve_base_url(None, saved=SAVED_URL) == ENV_URL


def test_then_the_url_the_app_saved(clean_env):
    assert resolve_base_url(None, saved=SAVED_URL) == SAVED_URL


def test_production_when_nothing_is_given(clean_env):
    assert resolve_base_url() == rules.PRODUCTION_BASE_URL


def test_empty_and_blank_values_count_as_unset(clean_env):
    clean_env.setenv(BASE_URL_ENV, "  ")
    assert resolve_base_url("", saved="") == rules.PRODUCTION_BASE_URL
    assert resolve_base_url(f" {FLAG_URL}\n") == FLAG_URL


# --- key: $FACETER_INTEGRATION_KEY, --key-file, keyring ----------------------------------------


def test_the_environment_key_wins(keyring, monkeypatch, tmp_path):
    keyring.set_password("faceter-viewer", FLAG_URL, "from-keyring")
    key_file = tmp_path / "key"
    key_file.write_text("from-file\n")
    monkeypatch.setenv(KEY_ENV, "  from-env \n")
    assert resolve_key(FLAG_URL, key_file=key_file) == "from-env"


def test_the_key_file_comes_before_the_keyring(keyring, tmp_path):
    keyring.set_password("faceter-viewer", FLAG_URL, "from-keyring")
    key_file = tmp_path / "key"
    key_file.write_text("\n  from-file  \nsecond line\n")
    assert resolve_key(FLAG_URL, key_file=str(key_file)) == "from-file"


def test_the_keyring_holds_one_key_per_service_url(keyring):
    keyring.set_password("faceter-viewer", FLAG_URL, "from-keyring")
    assert resolve_key(FLAG_URL) == "from-keyring"
    assert resolve_key(ENV_URL) is None


def test_a_given_store_is_asked_memory_first(keyring):
    store = KeyStore()
    store._memory[FLAG_URL] = "kept-in-memory"  # as after a sign-in without a keyring
    assert resolve_key(FLAG_URL, store=store) == "kept-in-memory"
    assert resolve_key(FLAG_URL) is None  # a fresh store has no memory of it


def test_no_key_anywhere_is_none(keyring):
    assert resolve_key(FLAG_URL) is None


@pytest.mark.parametrize("content", [None, "", "\n  \n"])
def test_an_unreadable_or_empty_key_file_is_a_key_file_error(keyring, tmp_path, content):
    key_file = tmp_path / "key"
    if content is not None:
        key_file.write_text(content)
    keyring.set_password("faceter-viewer", FLAG_URL, "from-keyring")  # not a silent fallback
    with pytest.raises(KeyFileError, match=f"cannot read the key file {key_file}: ") as raised:
        resolve_key(FLAG_URL, key_file=key_file)
    reason = "No such file or directory" if content is None else "does not contain a key"
    assert reason in str(raised.value)
