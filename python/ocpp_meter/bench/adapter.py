"""The mobilityhouse adapter: a ``ocpp.v201.ChargePoint`` CSMS routing the same MeterValues and
TransactionEvent frames to the same handler, plain and with :class:`~ocpp_meter.mobilityhouse.
OcppMeterMixin`, frame to reply sent.

Two paths, each its own group with the plain library as the peer:

* ``unchanged``: the user's ``@on`` handler as it is (snake_case keywords in, a ``call_result``
  dataclass out), under the mixin (ours) and under the library alone (``ocpp``);
* ``typed``: the mixin with a :func:`~ocpp_meter.mobilityhouse.typed` handler doing the same
  (ours), against the library with the ``@on`` handler (``ocpp``).

The handler acknowledges: ``MeterValues()``, and a ``TransactionEvent`` response with
``idTokenInfo`` ``Accepted`` when the request carries an ``idToken`` (as OCPP requires). Each
case is a whole ``route_message(frame)`` with a connection whose ``send`` keeps the reply.
The library validates through a thread-pool hop by default (``ocpp.messages.ASYNC_VALIDATION``);
the cases switch it off, which favours the peer and lets one call run the coroutine to its end
without an event loop. Before anything is timed, every side's replies to the check frames are
compared, parsed, with each other.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from typing import Any, Callable

from .._core import IdTokenInfo, MeterValuesResponse, TransactionEventResponse
from .frames import OURS, bench_frame, check_frames
from .measure import Case

OP = "adapter"
PATHS = ("unchanged", "typed")
KINDS = ("typical", "te-typical")
"""The frame kinds measured by default: the typical MeterValues and TransactionEvent."""
PEER = "ocpp"


class _Sink:
    """The connection: keeps the last frame sent."""

    def __init__(self) -> None:
        self.sent: Any = None

    async def send(self, message: Any) -> None:
        self.sent = message

    async def recv(self) -> Any:  # pragma: no cover - route_message is fed directly
        raise RuntimeError("the benchmark feeds frames to route_message")


def _run_to_end(coroutine: Any) -> None:
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise RuntimeError("route_message waited for something: not a synchronous measurement")


def charge_points() -> dict[str, Any]:
    """``{"ocpp": plain, "unchanged": mixin + @on handler, "typed": mixin + typed handler}``,
    ChargePoint instances on :class:`_Sink` connections; ``ImportError`` without ``ocpp``."""
    messages: Any = importlib.import_module("ocpp.messages")
    v201 = importlib.import_module("ocpp.v201")
    routing = importlib.import_module("ocpp.routing")
    from ..mobilityhouse import OcppMeterMixin, typed

    # See the module docstring: the library's own switch, off for every side measured here.
    messages.ASYNC_VALIDATION = False
    on: Callable[[str], Callable[[Callable[..., Any]], Callable[..., Any]]] = routing.on
    result: Any = v201.call_result
    accepted = {"status": "Accepted"}

    class Handlers:
        @on("MeterValues")
        def on_meter_values(self, **kwargs: Any) -> Any:
            return result.MeterValues()

        @on("TransactionEvent")
        def on_transaction_event(self, **kwargs: Any) -> Any:
            return result.TransactionEvent(id_token_info=accepted if "id_token" in kwargs else None)

    mv_ack = MeterValuesResponse()
    te_ack = TransactionEventResponse()
    te_accepted = TransactionEventResponse(id_token_info=IdTokenInfo(status="Accepted"))

    class Plain(Handlers, v201.ChargePoint):  # type: ignore[misc, name-defined]
        pass

    class Unchanged(OcppMeterMixin, Handlers, v201.ChargePoint):  # type: ignore[misc, name-defined]
        pass

    class Typed(OcppMeterMixin, v201.ChargePoint):  # type: ignore[misc, name-defined]
        @typed("MeterValues")
        def meter_values(self, request: Any) -> MeterValuesResponse:
            return mv_ack

        @typed("TransactionEvent")
        def transaction_event(self, request: Any) -> TransactionEventResponse:
            return te_ack if request.id_token is None else te_accepted

    return {
        PEER: Plain("CP-BENCH", _Sink()),
        "unchanged": Unchanged("CP-BENCH", _Sink()),
        "typed": Typed("CP-BENCH", _Sink()),
    }


def router(charge_point: Any) -> Callable[[bytes], Any]:
    """One frame through ``charge_point.route_message``; returns the reply sent."""
    route = charge_point.route_message
    sink = charge_point._connection

    def run(frame: bytes) -> Any:
        _run_to_end(route(frame))
        return sink.sent

    return run


def check(routers: dict[str, Callable[[bytes], Any]], frames: Sequence[bytes]) -> None:
    """Fail unless every side sends the same reply (parsed) to each frame, a CALLRESULT."""
    for frame in frames:
        replies = {name: json.loads(run(frame)) for name, run in routers.items()}
        first = replies[PEER]
        if first[0] != 3:
            raise AssertionError(f"the library answered {first!r}")
        for name, reply in replies.items():
            if reply != first:
                raise AssertionError(f"{name}: {reply!r} != the library's {first!r}")


def groups(kinds: Sequence[str] = KINDS, err: Any = None) -> list[list[Case]]:
    """The timed groups (ours first), once every side is checked; empty without ``ocpp``."""
    try:
        routers = {name: router(cp) for name, cp in charge_points().items()}
    except ImportError as exc:
        if err is not None:
            err.write(f"bench: skipping the mobilityhouse adapter: {exc}\n")
        return []
    out = []
    for kind in kinds:
        check(routers, check_frames(kind))
        frame = bench_frame(kind)
        for path in PATHS:
            out.append(
                [
                    Case(OP, path, kind, OURS, routers[path], frame),
                    Case(OP, path, kind, PEER, routers[PEER], frame),
                ]
            )
    return out
