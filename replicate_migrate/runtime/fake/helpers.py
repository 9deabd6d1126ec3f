"""replicate.helpers: FileOutput, transform_output and the input encoding of the real client."""

from __future__ import annotations

import base64
import io
import mimetypes
from pathlib import Path
from types import GeneratorType
from typing import Any

from replicate_migrate.runtime import fileoutput
from replicate_migrate.runtime.fileoutput import HasHttpxClients, convert_output


class FileOutput(fileoutput.FileOutput):
    """The runtime FileOutput under the real name, so `repr` and `isinstance` look real."""

    __module__ = "replicate.helpers"


def transform_output(value: Any, client: HasHttpxClients | None) -> Any:
    """Transform the output of a prediction to a `FileOutput` object if it's a URL."""
    return convert_output(value, lambda url: FileOutput(url, client))


def encode_json(obj: Any, client: object = None, file_encoding_strategy: str | None = None) -> Any:
    """Return a JSON-compatible version of `obj`, as the real client does before sending it.

    Files become data URIs instead of uploads: the simulated models ignore their input.
    Anything else is left alone, so a FileOutput in an input fails later in `json.dumps`.
    """
    if isinstance(obj, dict):
        return {
            key: encode_json(value, client, file_encoding_strategy) for key, value in obj.items()
        }
    if isinstance(obj, (list, set, frozenset, GeneratorType, tuple)):
        return [encode_json(value, client, file_encoding_strategy) for value in obj]
    if isinstance(obj, Path):
        with obj.open("rb") as file:
            return encode_json(file, client, file_encoding_strategy)
    if isinstance(obj, io.IOBase):
        return base64_encode_file(obj)
    return obj


def base64_encode_file(file: io.IOBase) -> str:
    """Base64 encode a file as a data URI."""
    file.seek(0)
    body = file.read()
    body = body.encode("utf-8") if isinstance(body, str) else body
    encoded = base64.b64encode(body).decode("utf-8")
    mime_type = mimetypes.guess_type(getattr(file, "name", ""))[0] or "application/octet-stream"
    return f"data:{mime_type};base64,{encoded}"
