"""What the endpoint logs of text a client chose, and how often it logs a client's refusals.

A path, a username, a header value or a frame excerpt comes from whoever reached the port: each
is logged through :func:`excerpt` (cut short, quoted, control characters escaped), so one line
stays short and cannot forge another. Refusals go through a :class:`RefusalLog`, which writes the
first few of each source address per interval in full and then only counts them, so a flood of
bad handshakes costs a summary line per address per interval rather than a line per attempt.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Callable

__all__ = ["DESCRIPTION_CHARS", "EXCERPT_CHARS", "RefusalLog", "excerpt", "peer_host"]

EXCERPT_CHARS = 64
"""Characters of client text kept in a log line (the rest is counted, not shown)."""
DESCRIPTION_CHARS = 160
"""Characters kept of an error description, which may quote the client's text."""


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """``text`` for a log line: at most ``limit`` characters, quoted, with every control or
    non-printable character escaped (as :func:`repr` does), and the length cut if any."""
    value = text if isinstance(text, str) else str(text)
    shown = repr(value[:limit])
    if len(value) > limit:
        return f"{shown}…(+{len(value) - limit} chars)"
    return shown


def peer_host(peer: object) -> str:
    """The host part of a socket peer address (``('192.0.2.7', 5031)`` gives ``192.0.2.7``)."""
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer)


class RefusalLog:
    """Refusal lines, at most ``per_address`` per source address and ``total`` in all per
    ``interval`` seconds; beyond that the refusals are counted by reason and :meth:`flush`
    (called at least once per interval, and when the endpoint stops) logs one summary line per
    address."""

    def __init__(
        self,
        log: logging.Logger,
        *,
        interval: float = 60.0,
        per_address: int = 10,
        total: int = 100,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.interval = interval
        self.per_address = per_address
        self.total = total
        self.clock = clock
        self._start = clock()
        self._logged: Counter[str] = Counter()
        self._suppressed: dict[str, Counter[str]] = {}

    def refused(
        self,
        peer: object,
        reason: str,
        message: str,
        *args: object,
        via: logging.Logger | None = None,
    ) -> None:
        """Log ``message % args`` at WARNING (on ``via``, else :attr:`log`), or count it under
        ``reason`` (a fixed text, never the client's) when ``peer``'s host (or everyone) has had
        its share of lines this interval."""
        if self.clock() - self._start >= self.interval:
            self.flush()
        host = peer_host(peer)
        if self._logged[host] < self.per_address and sum(self._logged.values()) < self.total:
            self._logged[host] += 1
            (via or self.log).warning(message, *args)
            return
        self._suppressed.setdefault(host, Counter())[reason] += 1

    def flush(self) -> None:
        """Log the counts of the refusals not logged since the interval began; start anew."""
        now = self.clock()
        seconds = now - self._start
        for host, reasons in sorted(self._suppressed.items()):
            detail = ", ".join(f"{reason} {count}" for reason, count in reasons.most_common())
            self.log.warning(
                "refused %d more handshakes from %s in the last %.0f s (%s)",
                sum(reasons.values()),
                host,
                seconds,
                detail,
            )
        self._suppressed.clear()
        self._logged.clear()
        self._start = now

    @property
    def suppressed(self) -> int:
        """Refusals counted but not logged yet."""
        return sum(sum(reasons.values()) for reasons in self._suppressed.values())
