"""The ``ocpp-meter`` command.

``ocpp-meter decode FILE...`` reads OCPP-J frames, one per line (``-`` is standard input),
decodes and validates each, prints one line per sampled value with the schema defaults applied,
and reports every invalid frame with its line, message id, error code and JSON Pointer.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from ._core import Call, CallError, CallResult, MeterValuesRequest, decode_message
from .enums import Location, Measurand, ReadingContext
from .errors import OcppError

__all__ = ["main"]


def _lines(paths: Sequence[str]) -> Iterator[tuple[str, int, bytes]]:
    for path in paths:
        if path == "-":
            for number, line in enumerate(sys.stdin.buffer, 1):
                yield "-", number, line
            continue
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                yield path, number, line


def _print_readings(out: TextIO, where: str, message_id: str, request: MeterValuesRequest) -> None:
    for meter_value in request.meter_value:
        stamp = meter_value.timestamp.isoformat()
        for sampled in meter_value.sampled_value:
            unit = sampled.unit_of_measure
            unit_name = unit.unit if unit is not None and unit.unit is not None else "Wh"
            multiplier = unit.multiplier if unit is not None and unit.multiplier is not None else 0
            scale = f"e{multiplier}" if multiplier else ""
            out.write(
                f"{where}\t{message_id}\tevse={request.evse_id}\t{stamp}\t"
                f"{sampled.measurand or Measurand.ENERGY_ACTIVE_IMPORT_REGISTER}\t"
                f"{sampled.phase or '-'}\t{sampled.location or Location.OUTLET}\t"
                f"{sampled.context or ReadingContext.SAMPLE_PERIODIC}\t"
                f"{sampled.value!r}{scale} {unit_name}\n"
            )


def _decode(paths: Sequence[str], strict: bool, out: TextIO) -> int:
    counts = {"frames": 0, "readings": 0, "invalid": 0, "other": 0}
    for path, number, line in _lines(paths):
        if not line.strip():
            continue
        counts["frames"] += 1
        where = f"{path}:{number}"
        try:
            message = decode_message(line)
        except OcppError as error:
            counts["invalid"] += 1
            out.write(
                f"{where}\tINVALID\tid={error.message_id}\t{error.code.value}\t"
                f"path={error.path or '/'}\t{error.description}\n"
            )
            continue
        if isinstance(message, Call):
            _print_readings(out, where, message.message_id, message.payload)
            counts["readings"] += sum(len(mv.sampled_value) for mv in message.payload.meter_value)
        elif isinstance(message, (CallResult, CallError)):
            counts["other"] += 1
            kind = "CALLRESULT" if isinstance(message, CallResult) else "CALLERROR"
            out.write(f"{where}\t{kind}\tid={message.message_id}\n")
    out.write(
        f"# {counts['frames']} frames: {counts['readings']} readings, "
        f"{counts['invalid']} invalid, {counts['other']} replies\n"
    )
    return 1 if strict and counts["invalid"] else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="ocpp-meter", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    decode = commands.add_parser("decode", help="decode and print frames, one per line")
    decode.add_argument("files", nargs="+", help="files of OCPP-J frames, one per line; - is stdin")
    decode.add_argument("--strict", action="store_true", help="exit 1 if any frame is invalid")
    args = parser.parse_args(argv)
    try:
        return _decode(args.files, args.strict, sys.stdout)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
