"""``ocpp-meter validate`` and ``ocpp-meter convert``: captures checked frame by frame, and
turned into the contract's rows in Parquet, Arrow IPC or CSV, chunk by chunk (bounded memory).

Validation reports every invalid frame with its line, message id, error code and JSON Pointer;
frames of actions this codec does not read (Heartbeat, BootNotification...) and replies
(CALLRESULT, CALLERROR) are counted apart. Both take a validation profile; under ``lenient`` or
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
from .enums import ErrorCode
from .errors import OcppError

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
    counts = {"frames": 0, "valid": 0, "invalid": 0, "other actions": 0, "replies": 0}
    warned = 0
    for chunk in chunks(paths):
        for line in chunk:
            counts["frames"] += 1
            try:
                message = decode_message(line.frame, profile=profile, dialect=dialect)
            except OcppError as error:
                if error.code is ErrorCode.NOT_IMPLEMENTED:
                    counts["other actions"] += 1
                    continue
                counts["invalid"] += 1
                out.write(
                    f"{line.path}:{line.number}\tid={error.message_id}\t{error.code.value}\t"
                    f"path={error.path or '/'}\t{error.description}\n"
                )
                continue
            if isinstance(message, Call):
                counts["valid"] += 1
                out.writelines(
                    f"{line.path}:{line.number}\tid={message.message_id}\twarning "
                    f"{w.code}\tpath={w.path}\traw={w.raw!r}\n"
                    for w in message.payload.warnings
                )
                warned += bool(message.payload.warnings)
            else:
                counts["replies"] += 1
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    if dialect != "2.0.1":
        summary += f" (OCPP {dialect})"
    if profile != "strict":
        summary += f" ({warned} valid with warnings, profile {profile})"
    out.write(f"# {summary}\n")
    return 1 if counts["invalid"] else 0


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
    under ``profile`` (the deviations it accepts are counted). Returns 0, or 1 when ``strict`` and a frame was
    invalid."""
    pa = importlib.import_module("pyarrow")
    target = Path(output)
    csv = target.suffix.lower() == ".csv"
    show = err.isatty() if progress is None else progress
    writer: Any = None
    frames = rows = invalid = warnings = 0
    started = time.monotonic()

    def write(table: Any) -> None:
        nonlocal writer
        if csv:  # CSV has no dictionary type: measurand becomes plain text.
            table = table.cast(_plain(pa, table.schema))
        if writer is None:
            writer = _writer(target, table.schema)
        writer.write_table(table)

    try:
        for chunk in chunks(paths):
            stations = [line.station_id or station_id for line in chunk]
            result = decode_batch(
                [line.frame for line in chunk], stations, profile=profile, dialect=dialect
            )
            warnings += len(result.warnings)
            table = pa.table(result)
            write(table)
            replies = result.replies
            for record in pa.table(result.errors).to_pylist():
                index = record["index"]
                # Other actions are not meter data, and replies (no reply of their own) are
                # not frames a station sent to be stored: neither is an invalid frame.
                if record["code"] == ErrorCode.NOT_IMPLEMENTED.value or replies[index] is None:
                    continue
                invalid += 1
                line = chunk[index]
                err.write(
                    f"{line.path}:{line.number}\tid={record['message_id']}\t{record['code']}\t"
                    f"path={record['path'] or '/'}\t{record['description']}\n"
                )
            frames += len(chunk)
            rows += table.num_rows
            if show:
                err.write(f"\rconvert: {frames:,} frames, {rows:,} rows ...")
                err.flush()
        if writer is None:  # an empty capture still gives a file with the schema
            write(pa.table(decode_batch([], station_id)))
    finally:
        if writer is not None:
            writer.close()
    if show:
        err.write("\n")
    accepted = f", {warnings:,} deviations accepted ({profile})" if profile != "strict" else ""
    err.write(
        f"convert: {frames:,} frames, {rows:,} rows, {invalid:,} invalid frames{accepted} -> "
        f"{target} ({time.monotonic() - started:.1f} s)\n"
    )
    return 1 if strict and invalid else 0


def _plain(pa: Any, schema: Any) -> Any:
    """The schema with dictionary columns as plain strings (for CSV)."""
    fields = [
        pa.field(f.name, pa.string(), f.nullable) if pa.types.is_dictionary(f.type) else f
        for f in schema
    ]
    return pa.schema(fields)
