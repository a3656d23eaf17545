"""``ocpp-meter validate`` and ``ocpp-meter convert``: captures checked frame by frame, and
turned into rows (the row form) in Parquet, Arrow IPC or CSV, chunk by chunk (bounded memory).

Both report every invalid frame as :mod:`ocpp_meter.tally` writes it (line, message id, error
code, JSON Pointer, description); frames of actions this codec does not read (Heartbeat,
BootNotification...), replies (CALLRESULT, CALLERROR) and lines without a frame are counted
apart. CSV timestamps are RFC 3339 text (``2024-05-01T12:00:00.000000Z``). Both take a validation profile; under ``lenient`` or
``off`` validation lists every deviation it accepted, with its code, pointer and text as sent.
Both also take the OCPP dialect the capture was recorded in (``"2.0.1"`` or ``"2.1"``).
Conversion needs pyarrow (the ``convert`` extra).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._core import Call, decode_batch, decode_message
from .capture import chunks
from .errors import OcppError
from .tally import Tally, invalid_line, is_other_action

if TYPE_CHECKING:
    from ._core import Dialect, Profile

__all__ = ["convert", "validate"]

WRITERS = {".parquet": "parquet", ".arrow": "ipc", ".ipc": "ipc", ".feather": "ipc", ".csv": "csv"}
"""Output format by file extension."""


def validate(
    paths: Sequence[str], out: TextIO, profile: Profile = "strict", *, dialect: Dialect = "2.0.1"
) -> int:
    """Check every frame of ``paths`` under ``profile``, in ``dialect``; print the invalid ones,
    the deviations the profile accepted and a summary. Exit status 1 if any frame is invalid,
    else 0."""
    tally = Tally()
    warned = 0
    for chunk in chunks(paths, on_no_frame=tally.no_frame_line):
        for line in chunk:
            tally.frames += 1
            try:
                message = decode_message(line.frame, profile=profile, dialect=dialect)
            except OcppError as error:
                tally.rejected(out, f"{line.path}:{line.number}", error)
                continue
            if isinstance(message, Call):
                tally.valid += 1
                out.writelines(
                    f"{line.path}:{line.number}\tid={message.message_id}\twarning "
                    f"{w.code}\tpath={w.path}\traw={w.raw!r}\n"
                    for w in message.payload.warnings
                )
                warned += bool(message.payload.warnings)
            else:
                tally.replies += 1
    extra = []
    if dialect != "2.0.1":
        extra.append(f"OCPP {dialect}")
    if profile != "strict":
        extra.append(f"{warned} valid with warnings (profile {profile})")
    out.write(tally.summary(*extra))
    return 1 if tally.invalid else 0


def _writer(path: Path, schema: Any) -> Any:
    kind = WRITERS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"unknown output format {path.suffix!r}: use {', '.join(WRITERS)}")
    if kind == "parquet":
        return importlib.import_module("pyarrow.parquet").ParquetWriter(str(path), schema)
    if kind == "ipc":
        return importlib.import_module("pyarrow.ipc").new_file(str(path), schema)
    csv = importlib.import_module("pyarrow.csv")
    # CSV has no dictionary type: measurand is written as plain text.
    return csv.CSVWriter(str(path), schema)


def convert(
    paths: Sequence[str],
    output: str,
    station_id: str,
    err: TextIO,
    progress: bool | None = None,
    strict: bool = False,
    profile: Profile = "strict",
    dialect: Dialect = "2.0.1",
) -> int:
    """Write the rows of every valid MeterValues and TransactionEvent frame of ``paths`` to
    ``output`` (format by extension), listing the invalid frames on ``err``. A line's station
    is the one its log prefix names, else ``station_id``. Frames are decoded in ``dialect``,
    under ``profile`` (the deviations it accepts are counted). Returns 0, or 1 when ``strict``
    and a frame was invalid."""
    pa = importlib.import_module("pyarrow")
    target = Path(output)
    csv = target.suffix.lower() == ".csv"
    show = err.isatty() if progress is None else progress
    writer: Any = None
    tally = Tally()
    rows = warnings = 0
    started = time.monotonic()

    def write(table: Any) -> None:
        nonlocal writer
        if csv:
            table = _csv_ready(pa, table)
        if writer is None:
            writer = _writer(target, table.schema)
        writer.write_table(table)

    try:
        for chunk in chunks(paths, on_no_frame=tally.no_frame_line):
            stations = [line.station_id or station_id for line in chunk]
            result = decode_batch(
                [line.frame for line in chunk], stations, profile=profile, dialect=dialect
            )
            warnings += len(result.warnings)
            table = pa.table(result)
            write(table)
            replies = result.replies
            # Replies get no reply of their own: whatever their payload, they are counted as
            # replies, as validate and decode count them.
            answered = sum(reply is None for reply in replies)
            tally.replies += answered
            counted = answered
            for record in pa.table(result.errors).to_pylist():
                index = record["index"]
                if replies[index] is None:
                    continue
                counted += 1
                if is_other_action(record["code"]):
                    tally.other_actions += 1
                    continue
                tally.invalid += 1
                line = chunk[index]
                err.write(
                    invalid_line(
                        f"{line.path}:{line.number}",
                        record["message_id"],
                        record["code"],
                        record["path"],
                        record["description"],
                    )
                )
            tally.frames += len(chunk)
            tally.valid += len(chunk) - counted
            rows += table.num_rows
            if show:
                err.write(f"\rconvert: {tally.frames:,} frames, {rows:,} rows ...")
                err.flush()
        if writer is None:  # an empty capture still gives a file with the schema
            write(pa.table(decode_batch([], station_id)))
    finally:
        if writer is not None:
            writer.close()
    if show:
        err.write("\n")
    extra = [f"{rows} rows"]
    if dialect != "2.0.1":
        extra.append(f"OCPP {dialect}")
    if profile != "strict":
        extra.append(f"{warnings} deviations accepted (profile {profile})")
    err.write(tally.summary(*extra).rstrip("\n"))
    err.write(f" -> {target} ({time.monotonic() - started:.1f} s)\n")
    return 1 if strict and tally.invalid else 0


def _csv_ready(pa: Any, table: Any) -> Any:
    """The table as CSV takes it: dictionary columns (measurand) as plain text, timestamps as
    RFC 3339 text in UTC (pyarrow would write ``2024-05-01 12:00:00.000000Z``)."""
    compute = importlib.import_module("pyarrow.compute")
    columns = []
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_dictionary(field.type):
            column = column.cast(pa.string())
        elif pa.types.is_timestamp(field.type):
            column = compute.strftime(column, format="%Y-%m-%dT%H:%M:%SZ")
        columns.append(column)
    return pa.table(columns, names=table.schema.names)
