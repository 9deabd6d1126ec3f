"""What an online look-up may cost and show: a deadline, a size cap, no credentials echoed."""

from __future__ import annotations

import base64
import re
import time
import zlib
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

# Encodings read_body() can decode chunk by chunk with a bound on the output; sent as
# Accept-Encoding so the server picks one of them (or none).
ACCEPT_ENCODING = "gzip, deflate"


class TooLarge(Exception):
    """The answer, decompressed, is larger than the cap."""


class OutOfTime(Exception):
    """The run's deadline for look-ups has passed."""


class Redactor:
    """Removes the token and any credentials in the base URL from text meant for people."""

    def __init__(self, token: str | None, base_url: str) -> None:
        found = {token, *(token or "").splitlines()}
        # Found by hand, not by a URL parser: a URL too malformed to parse may still hold them.
        userinfo = re.search(r"//([^/?#]*)@", base_url)
        if userinfo:
            user, _, password = userinfo[1].partition(":")
            found |= {userinfo[1], user, password, unquote(user), unquote(password)}
            # httpx sends URL credentials as Basic auth: an error quoting it leaks them too.
            pair = f"{unquote(user)}:{unquote(password)}".encode()
            found.add(base64.b64encode(pair).decode())
        # Longest first, so a secret containing another is removed whole.
        self.secrets = sorted((s for s in found if s and s.strip()), key=len, reverse=True)
        self.public_url = self.redact(_public(base_url))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def _public(url: str) -> str:
    """The URL without user, password, query or fragment: what a warning may show."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "REPLICATE_BASE_URL"
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def read_body(response: httpx.Response, limit: int, deadline: float) -> bytes:
    """The decoded body, read as it streams in; TooLarge past `limit` bytes decoded,
    OutOfTime once `deadline` (time.monotonic()) passes between two chunks."""
    if response.is_stream_consumed:
        # Read whole by whoever built it (httpx does so for `Response(content=...)`).
        if len(response.content) > limit:
            raise TooLarge
        return response.content
    decoder = _decoder(response.headers.get("Content-Encoding", ""))
    body = bytearray()
    for raw in response.iter_raw():
        if decoder is None:
            body += raw
        else:
            # max_length keeps a small compressed chunk from expanding past the cap at once.
            body += decoder.decompress(raw, limit + 1 - len(body))
        if len(body) > limit:
            raise TooLarge
        if time.monotonic() > deadline:
            raise OutOfTime
    if decoder is not None:
        body += decoder.flush()
        if len(body) > limit:
            raise TooLarge
    return bytes(body)


def _decoder(encoding: str) -> zlib._Decompress | None:
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return None
    if name in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    raise httpx.DecodingError(f"unsupported Content-Encoding {encoding!r}")
