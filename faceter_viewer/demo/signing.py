"""Signed Archive API URLs (api-rules §15, §18), as the demo service issues and checks them.

signature = hex HMAC-SHA256(server secret, f"{archiveId}:{exp}"); `exp` is Unix seconds.
A URL whose `exp` has passed answers 401 (the client refreshes the camera for a new token); a
signature that does not match answers 403. Both as ProblemDetails.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable

from faceter_viewer.api.models import ArchiveApiToken


class SignatureError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class ArchiveSigner:
    def __init__(
        self,
        ttl: int = 3600,
        secret: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl < 1:
            raise ValueError("token_ttl must be at least 1 second")
        self.ttl = int(ttl)
        self._secret = secret or secrets.token_bytes(32)
        self._clock = clock

    def sign(self, archive_id: str, exp: int) -> str:
        message = f"{archive_id}:{int(exp)}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def issue(self, archive_id: str) -> ArchiveApiToken:
        """A fresh token: valid for at least `ttl` seconds from now."""
        exp = math.ceil(self._clock() + self.ttl)
        return ArchiveApiToken(signature=self.sign(archive_id, exp), exp=exp)

    def verify(self, archive_id: str, signature: str | None, exp: str | None) -> None:
        """Raise SignatureError(401) when missing or expired, SignatureError(403) when wrong."""
        if not signature or not exp:
            raise SignatureError(401, "The URL carries no signature or exp")
        try:
            exp_value = int(exp)
        except ValueError:
            raise SignatureError(403, "The URL's exp is not a number") from None
        if not hmac.compare_digest(self.sign(archive_id, exp_value), signature.lower()):
            raise SignatureError(403, "The URL's signature does not match")
        if exp_value < self._clock():
            raise SignatureError(401, "The URL's token has expired; fetch the camera again for a new one")
