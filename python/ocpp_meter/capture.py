"""Reading captures: files of OCPP-J frames, one per line, for ``ocpp-meter validate`` and
``ocpp-meter convert``.

A line is either a frame (JSON lines) or a log line with the frame after a prefix: the frame
starts at the line's first ``[``. In a prefix such as ``2024-05-01T12:00:00Z CS-0001 <- [2,...``
the charging station id is the last word before the frame, a direction arrow (``<-``, ``->``,
``<<``, ``>>``) skipped. Lines are read in chunks, so a capture of any size is handled in
bounded memory.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

__all__ = ["Line", "chunks", "frame_of", "station_of"]

CHUNK_LINES = 20_000
"""Lines handed on at a time: big enough to keep the decoder's threads busy, small enough to
bound memory."""


@dataclass(frozen=True)
class Line:
    """One frame of a capture, where it came from, and its station if the line names one."""

    path: str
    number: int
    frame: bytes
    station_id: str | None = None


_ARROWS = {b"<-", b"->", b"<<", b">>"}


def station_of(line: bytes) -> str | None:
    """The station id a log line names before its frame, if any (see the module docs)."""
    start = line.find(b"[")
    words = [w for w in line[:start].split() if w not in _ARROWS] if start > 0 else []
    return words[-1].decode("utf-8", "replace") if words else None


def frame_of(line: bytes) -> bytes | None:
    """The frame in ``line`` (from its first ``[`` on, trailing whitespace removed), or ``None``
    for a line with no frame (blank, or a log line of something else)."""
    start = line.find(b"[")
    if start < 0:
        return None
    return line[start:].rstrip()


def _lines(path: str) -> Iterator[tuple[int, bytes]]:
    if path == "-":
        yield from enumerate(sys.stdin.buffer, 1)
        return
    with open(path, "rb") as handle:
        yield from enumerate(handle, 1)


def chunks(
    paths: Sequence[str],
    size: int = CHUNK_LINES,
    on_no_frame: Callable[[str, int, bytes], None] | None = None,
) -> Iterator[list[Line]]:
    """The frames of ``paths`` (``-`` is standard input), in order, ``size`` at a time; each
    line that holds no frame is handed to ``on_no_frame(path, number, line)``, so that the
    commands count it (see :class:`~ocpp_meter.tally.Tally`)."""
    chunk: list[Line] = []
    for path in paths:
        for number, raw in _lines(path):
            frame = frame_of(raw)
            if frame is None:
                if on_no_frame is not None:
                    on_no_frame(path, number, raw)
                continue
            chunk.append(Line(path, number, frame, station_of(raw)))
            if len(chunk) >= size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk
