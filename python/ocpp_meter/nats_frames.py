"""The NATS client protocol as a server writes it, split into frames in bulk.

:func:`split_frames` turns what a socket read gave (any number of whole frames and at most one
partial one at the end) into a list of frames and the count of bytes they took, the rest being
left for the next read. A message keeps its header block as bytes: :func:`parse_headers` reads
it when (and where) its fields are needed, :func:`status_of` only looks at its first line.

Bad input (an unknown operation, a size that is not a number or does not fit, a payload not
followed by CRLF, a control line longer than :data:`MAX_CONTROL_LINE`) raises
:class:`ProtocolError`: the connection that sent it is dropped, never read on at a guessed
offset. A frame cut short is not an error: it waits for the next read.
"""

from __future__ import annotations

from typing import NamedTuple, Union

__all__ = [
    "MAX_CONTROL_LINE",
    "MAX_PAYLOAD",
    "Frame",
    "Message",
    "ProtocolError",
    "parse_headers",
    "split_frames",
    "status_of",
]

MAX_CONTROL_LINE = 64 * 1024
"""Bytes a control line may take before its CRLF (the server's own limit is 4 KiB)."""
MAX_PAYLOAD = 64 * 1024 * 1024
"""Bytes a message may take (the server allows 1 MiB unless configured, 64 MiB at most)."""

_CRLF = b"\r\n"
_HEADER_LINE = b"NATS/1.0"


class ProtocolError(ValueError):
    """The bytes are not the NATS protocol."""


class Message(NamedTuple):
    """A ``MSG`` or ``HMSG`` as received: subject, subscription id, reply subject (``b""``
    when none), the header block (``b""`` when none) and the payload."""

    subject: bytes
    sid: bytes
    reply: bytes
    headers: bytes
    payload: bytes


Frame = Union[Message, "tuple[bytes, bytes]"]  # Union: evaluated at import, on Python 3.9 too
"""A message, or ``(operation, argument)`` for the other operations (``PING``, ``PONG``,
``+OK``, ``-ERR``, ``INFO``), the argument being the rest of the line."""


def _size(text: bytes, line: bytes) -> int:
    if not text.isdigit():
        raise ProtocolError(f"size {text[:40]!r} is not a number in {line[:200]!r}")
    return int(text)


def split_frames(buffer: bytes) -> tuple[list[Frame], int]:
    """The whole frames at the start of ``buffer`` and the count of bytes they take."""
    frames: list[Frame] = []
    position = 0
    end = len(buffer)
    find = buffer.find
    while position < end:
        eol = find(_CRLF, position)
        if eol < 0:
            if end - position > MAX_CONTROL_LINE:
                raise ProtocolError(f"control line longer than {MAX_CONTROL_LINE} bytes")
            break
        line = buffer[position:eol]
        if line[:4] == b"HMSG" or line[:3] == b"MSG":
            parts = line.split()
            op = parts[0]
            if op == b"HMSG":
                if len(parts) == 5:
                    _, subject, sid, size_text, total_text = parts
                    reply = b""
                elif len(parts) == 6:
                    _, subject, sid, reply, size_text, total_text = parts
                else:
                    raise ProtocolError(f"malformed HMSG line {line[:200]!r}")
                header_size = _size(size_text, line)
                total = _size(total_text, line)
                if header_size > total:
                    raise ProtocolError(f"header size above total size in {line[:200]!r}")
            elif op == b"MSG":
                if len(parts) == 4:
                    _, subject, sid, total_text = parts
                    reply = b""
                elif len(parts) == 5:
                    _, subject, sid, reply, total_text = parts
                else:
                    raise ProtocolError(f"malformed MSG line {line[:200]!r}")
                header_size = 0
                total = _size(total_text, line)
            else:
                raise ProtocolError(f"unknown operation {line[:200]!r}")
            if total > MAX_PAYLOAD:
                raise ProtocolError(f"message larger than {MAX_PAYLOAD} bytes: {line[:200]!r}")
            start = eol + 2
            stop = start + total
            if stop + 2 > end:
                break
            if buffer[stop : stop + 2] != _CRLF:
                raise ProtocolError(f"payload not followed by CRLF after {line[:200]!r}")
            frames.append(
                Message(
                    subject,
                    sid,
                    reply,
                    buffer[start : start + header_size],
                    buffer[start + header_size : stop],
                )
            )
            position = stop + 2
            continue
        op, _, argument = line.partition(b" ")
        if op.upper() not in (b"PING", b"PONG", b"+OK", b"-ERR", b"INFO"):
            raise ProtocolError(f"unknown operation {line[:200]!r}")
        frames.append((op.upper(), argument))
        position = eol + 2
    return frames, position


def status_of(headers: bytes) -> int | None:
    """The status code of a status message (``NATS/1.0 404 No Messages``), ``None`` for a
    message with headers and no status (or none at all)."""
    if headers[:9] != _HEADER_LINE + b" ":
        return None
    code = headers[9:12]
    return int(code) if code.isdigit() else None


def parse_headers(headers: bytes) -> dict[str, str]:
    """The fields of a header block (``NATS/1.0\\r\\nName: value\\r\\n...\\r\\n\\r\\n``), last
    value of a repeated name kept; a line without a colon is skipped, bytes that are not
    UTF-8 are replaced (the gateway writes ASCII)."""
    fields: dict[str, str] = {}
    lines = headers.decode("utf-8", "replace").split("\r\n")
    for entry in lines[1:]:
        name, colon, value = entry.partition(":")
        if colon and name:
            fields[name] = value.strip()
    return fields
