"""The ``ocpp-meter`` command.

``ocpp-meter decode FILE...`` reads OCPP-J frames, one per line (``-`` is standard input; a log
line's prefix before the frame is skipped), decodes and validates each, prints one line per
sampled value with the schema defaults applied, and reports every invalid frame with its line,
message id, error code and JSON Pointer.

``decode``, ``validate`` and ``convert`` read captures alike: the same lines (see
:mod:`ocpp_meter.capture`), ``--profile`` and ``--dialect``, each broken frame reported the same
way and every line counted (see :mod:`ocpp_meter.tally`).

``ocpp-meter serve`` runs the reference CSMS ingest endpoint (WebSocket, SQLite) and
``ocpp-meter loadgen`` drives a bounded MeterValues load against a local one; both need the
``server`` extra (the ``websockets`` library). ``ocpp-meter bench`` measures ocpp-meter against
the peers installed (the ``bench`` extra has them all) and prints the table.
``ocpp-meter passwd --store FILE STATION`` sets a station's Basic authentication password (read
from the terminal or standard input, never from the command line) for ``serve``'s security
profiles 1 and 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from ._core import (
    Call,
    CallResult,
    MeterValue,
    MeterValuesRequest,
    TransactionEventRequest,
    decode_message,
)
from .capture import chunks
from .dispatch import DIALECTS, PROFILES
from .enums import Location, Measurand, ReadingContext
from .errors import OcppError
from .station_services import read_id_tokens
from .tally import Tally

if TYPE_CHECKING:
    from ._core import BatchDialect, Dialect, Profile

__all__ = ["main"]


def _print_readings(
    out: TextIO,
    where: str,
    message_id: str,
    request: MeterValuesRequest | TransactionEventRequest,
) -> int:
    """One line per sampled value, schema defaults applied; returns how many."""
    if isinstance(request, MeterValuesRequest):
        evse: int | None = request.evse_id
        meter_values: Sequence[MeterValue] = request.meter_value
    else:
        evse = request.evse.id if request.evse is not None else None
        meter_values = request.meter_value or ()
    count = 0
    for meter_value in meter_values:
        stamp = meter_value.timestamp.isoformat()
        for sampled in meter_value.sampled_value:
            unit = sampled.unit_of_measure
            unit_name = unit.unit if unit is not None and unit.unit is not None else "Wh"
            multiplier = unit.multiplier if unit is not None and unit.multiplier is not None else 0
            scale = f"e{multiplier}" if multiplier else ""
            count += 1
            out.write(
                f"{where}\t{message_id}\tevse={evse}\t{stamp}\t"
                f"{sampled.measurand or Measurand.ENERGY_ACTIVE_IMPORT_REGISTER}\t"
                f"{sampled.phase or '-'}\t{sampled.location or Location.OUTLET}\t"
                f"{sampled.context or ReadingContext.SAMPLE_PERIODIC}\t"
                f"{sampled.value!r}{scale} {unit_name}\n"
            )
    return count


def _decode(
    paths: Sequence[str],
    strict: bool,
    out: TextIO,
    dialect: Dialect = "2.0.1",
    profile: Profile = "strict",
) -> int:
    tally = Tally()
    readings = 0
    for chunk in chunks(paths, on_no_frame=tally.no_frame_line):
        for line in chunk:
            tally.frames += 1
            where = f"{line.path}:{line.number}"
            try:
                message = decode_message(line.frame, profile=profile, dialect=dialect)
            except OcppError as error:
                tally.rejected(out, where, error)
                continue
            if isinstance(message, Call):
                tally.valid += 1
                payload = message.payload
                # The check reads 2.x only (its dialect argument), so the payload is 2.x's.
                assert isinstance(payload, (MeterValuesRequest, TransactionEventRequest))
                readings += _print_readings(out, where, message.message_id, payload)
            else:
                tally.replies += 1
                kind = "CALLRESULT" if isinstance(message, CallResult) else "CALLERROR"
                out.write(f"{where}\t{kind}\tid={message.message_id}\n")
    out.write(tally.summary(f"{readings} readings"))
    return 1 if strict and tally.invalid else 0


DESCRIPTION = """\
Decode, validate and convert OCPP 2.0.1 and 2.1 MeterValues and TransactionEvent frames (a
strict, fast codec with a Rust core), and run a reference CSMS ingest endpoint.

decode, validate and convert read captures: one OCPP-J frame per line, or log lines with the
frame after a prefix ('-' is standard input). They report a broken frame the same way:
  FILE:LINE  INVALID  id=MESSAGE_ID  CODE  path="JSON_POINTER"  DESCRIPTION
(path "" is the payload itself; id -1 when the message id could not be read), and end with a
count of every line: frames valid, invalid, of other actions (counted, never converted), replies
(CALLRESULT, CALLERROR), and lines without a frame."""

EPILOG = """\
exit status:
  0  done (decode and convert: even with invalid frames, unless --strict)
  1  validate: a frame is invalid; decode, convert with --strict: a frame is invalid;
     serve: cannot serve; loadgen: nothing acknowledged; passwd: no such station
  2  usage error, or a file that cannot be read or written
  3  bench: a peer's output disagrees with ours (bench --gate: 1 when a goal is missed)"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="ocpp-meter",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    decode = commands.add_parser(
        "decode", help="decode and print every reading of a capture, and every broken frame"
    )
    decode.add_argument("files", nargs="+", help="capture files; - is stdin")
    decode.add_argument("--strict", action="store_true", help="exit 1 if any frame is invalid")
    _add_profile(decode)
    _add_dialect(decode)
    validate = commands.add_parser(
        "validate", help="check a capture (one frame per line, or a log line with the frame)"
    )
    validate.add_argument("files", nargs="+", help="capture files; - is stdin")
    validate.add_argument("--station-id", default="-", help="ignored (accepted like convert's)")
    _add_profile(validate)
    _add_dialect(validate)
    convert = commands.add_parser(
        "convert", help="write a capture's rows to Parquet, Arrow IPC or CSV (by extension)"
    )
    convert.add_argument("files", nargs="+", help="capture files; - is stdin")
    convert.add_argument("-o", "--output", required=True, help="out.parquet, out.arrow, out.csv")
    convert.add_argument(
        "--station-id",
        default="unknown",
        help="station id of lines whose prefix names none (default unknown)",
    )
    convert.add_argument("--strict", action="store_true", help="exit 1 if any frame is invalid")
    _add_profile(convert)
    _add_dialect(convert)
    _add_serve(commands)
    _add_worker(commands)
    _add_loadgen(commands)
    _add_passwd(commands)
    # `bench` has its own parser (ocpp_meter.bench): its options pass through untouched.
    commands.add_parser(
        "bench",
        add_help=False,
        help="measure ocpp-meter against the installed peers (bench --help for options)",
    )
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        from .bench import main as bench_main

        return bench_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "validate":
        from .convert import validate as run_validate

        try:
            return run_validate(args.files, sys.stdout, args.profile, dialect=args.dialect)
        except OSError as error:
            sys.stderr.write(f"ocpp-meter validate: {error}\n")
            return 2
    if args.command == "convert":
        from .convert import convert as run_convert

        try:
            return run_convert(
                args.files,
                args.output,
                args.station_id,
                sys.stderr,
                strict=args.strict,
                profile=args.profile,
                dialect=args.dialect,
            )
        except (ImportError, ValueError, OSError) as error:
            sys.stderr.write(f"ocpp-meter convert: {error}\n")
            return 2
    if args.command == "serve":
        return _serve(args)
    if args.command == "worker":
        return _worker(args)
    if args.command == "loadgen":
        return _loadgen(args)
    if args.command == "passwd":
        return _passwd(args)
    try:
        return _decode(args.files, args.strict, sys.stdout, args.dialect, args.profile)
    except BrokenPipeError:
        return 0
    except OSError as error:
        sys.stderr.write(f"ocpp-meter decode: {error}\n")
        return 2


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ocpp-meter")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the reference CSMS ingest endpoint (OCPP 2.0.1, 2.1 and 1.6J WebSocket -> "
        "SQLite)",
        description="Accept OCPP WebSocket connections (subprotocols ocpp2.1, ocpp2.0.1 and "
        "ocpp1.6, the first one the client offers being chosen) at ws://HOST:PORT/.../STATION_ID, "
        "decode each "
        "connection's frames in the dialect of its subprotocol, store every MeterValues reading "
        "in SQLite, and acknowledge each frame once its rows are committed. SIGINT/SIGTERM stop "
        "it cleanly.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=9000, help="port to bind (default 9000)")
    serve.add_argument(
        "--db",
        default="meter.sqlite",
        help="SQLite file, or a postgresql:// URL to write PostgreSQL directly (default "
        "meter.sqlite)",
    )
    serve.add_argument(
        "--broker",
        metavar="nats://HOST:PORT[,HOST:PORT...]",
        help="gateway mode: publish each validated frame to NATS JetStream and acknowledge it "
        "once the stream holds it (ocpp-meter worker stores it); --db is then unused",
    )
    _add_replicas(serve)
    serve.add_argument(
        "--synchronous",
        choices=("full", "normal"),
        default="full",
        help="SQLite synchronous level: full survives power loss, normal only a crash of this "
        "process (default full)",
    )
    serve.add_argument(
        "--max-batch-frames",
        type=int,
        default=1000,
        help="most frames committed in one transaction (default 1000)",
    )
    serve.add_argument(
        "--max-frame-bytes",
        type=int,
        default=1 << 20,
        help="largest frame decoded (default 1 MiB; the decoder's frame limit is raised to "
        "match); a longer one gets a FormatViolation CALLERROR with its message id",
    )
    serve.add_argument(
        "--max-message-bytes",
        type=int,
        default=None,
        help="largest WebSocket message read at all (default: --max-frame-bytes and a quarter "
        "more); a longer one closes its connection (1009)",
    )
    stations = serve.add_argument_group(
        "station services", "what BootNotification and Authorize are answered"
    )
    stations.add_argument(
        "--heartbeat-interval",
        type=int,
        default=300,
        help="heartbeat interval given at boot, seconds (default 300)",
    )
    stations.add_argument(
        "--accept-id-token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="an id token Authorize accepts (repeatable); with this or --id-tokens, any other "
        "token is Unknown; without both, every token is Accepted",
    )
    stations.add_argument(
        "--id-tokens",
        metavar="FILE",
        help="file of id tokens Authorize accepts, one per line (# comments)",
    )
    security = serve.add_argument_group(
        "security profiles (OCPP 2.0.1)",
        "0: none (loopback tests only); 1: HTTP Basic authentication over ws://; 2: TLS (wss://) "
        "and Basic authentication; 3: TLS with client certificates, the station id being the "
        "certificate subject's CN. Basic authentication: username = station id of the URL, "
        "password checked against --password-store (see ocpp-meter passwd).",
    )
    security.add_argument(
        "--security-profile", type=int, choices=(0, 1, 2, 3), default=0, help="(default 0)"
    )
    security.add_argument("--password-store", help="station password hashes (profiles 1, 2)")
    security.add_argument("--tls-cert", help="server certificate chain, PEM (profiles 2, 3)")
    security.add_argument("--tls-key", help="server private key, PEM (profiles 2, 3)")
    security.add_argument(
        "--client-ca", help="CA certificates that issue station certificates, PEM (profile 3)"
    )
    _add_limits(serve)
    serve.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    serve.add_argument(
        "--dialect",
        action="append",
        default=[],
        metavar="2.0.1|2.1|1.6",
        help="an OCPP dialect to serve, i.e. a subprotocol to accept (ocpp2.0.1, ocpp2.1, "
        "ocpp1.6); repeatable, or a comma list such as 2.0.1,2.1; default all three",
    )
    _add_profile(serve)
    serve.add_argument(
        "--station-profile",
        action="append",
        default=[],
        metavar="STATION=PROFILE",
        help="the validation profile of one station's frames (repeatable), e.g. CS-7=lenient",
    )


def _add_limits(serve: argparse.ArgumentParser) -> None:
    from .server import ServeConfig

    defaults = ServeConfig()
    limits = serve.add_argument_group(
        "limits before authentication (see SECURITY.md)",
        "a client over a total limit gets HTTP 503, over a per-address one HTTP 429, both with "
        "Retry-After; a TLS handshake over a limit is closed before TLS starts. Per-address "
        "limits count concurrency and rate, so many stations behind one NAT address still fit.",
    )

    def option(name: str, kind: type, text: str) -> None:
        dest = name.replace("-", "_")
        limits.add_argument(
            f"--{name}",
            type=kind,
            default=getattr(defaults, dest),
            help=f"{text} (default {getattr(defaults, dest)})",
        )

    option("max-connections", int, "connections open or in their password check, in all")
    option(
        "max-connections-per-station",
        int,
        "open connections of one station id; an authenticated newcomer replaces the oldest",
    )
    option("max-handshakes", int, "handshakes in progress (TLS included), in all")
    option("max-handshakes-per-address", int, "handshakes in progress from one address")
    option("max-password-checks", int, "password checks waiting or hashing, in all")
    option("max-password-checks-per-address", int, "password checks waiting or hashing per address")
    option("password-checks-per-second", float, "password checks started per second, in all")
    option(
        "password-checks-per-second-per-address",
        float,
        "password checks started per second from one address",
    )
    option("handshake-timeout", float, "seconds for the TLS and for the WebSocket handshake")
    option("retry-after", int, "the Retry-After of a 429 or 503 refusal, seconds")
    option(
        "log-interval",
        float,
        "seconds over which refusals past the first 10 of an address are summed up in one line",
    )


def _add_replicas(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--replicas",
        type=int,
        default=3,
        help="copies JetStream keeps of each frame, when this process creates the streams "
        "(default 3: a 3-node cluster)",
    )


def _add_worker(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = commands.add_parser(
        "worker",
        help="store frames from NATS JetStream in PostgreSQL (run as many as you like)",
        description="Consume the gateways' frames from JetStream (a pull consumer on a shared "
        "durable), decode them in batches, store rows and transaction events in PostgreSQL in "
        "one transaction per batch (exactly once per frame), acknowledge after the commit. "
        "SIGTERM finishes or returns the batch in hand.",
    )
    worker.add_argument("--broker", required=True, metavar="nats://HOST:PORT[,HOST:PORT...]")
    worker.add_argument("--db", required=True, metavar="postgresql://...")
    worker.add_argument(
        "--batch", type=int, default=2000, help="messages per fetch and transaction (2000)"
    )
    worker.add_argument(
        "--ack-wait",
        type=float,
        default=30.0,
        help="seconds before an unacknowledged batch is delivered again (default 30)",
    )
    _add_replicas(worker)
    worker.add_argument("--log-level", default="INFO", help="logging level (default INFO)")


def _log_to_stderr(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _worker(args: argparse.Namespace) -> int:
    from .broker import broker_servers
    from .worker import WorkerConfig, run

    _log_to_stderr(args.log_level)
    try:
        broker_servers(args.broker)
    except ValueError as error:
        sys.stderr.write(f"ocpp-meter worker: --broker: {error}\n")
        return 2
    if not args.db.startswith(("postgresql://", "postgres://")):
        sys.stderr.write("ocpp-meter worker: --db must be a postgresql:// URL\n")
        return 2
    if args.batch < 1:
        sys.stderr.write("ocpp-meter worker: --batch must be at least 1\n")
        return 2
    config = WorkerConfig(
        broker=args.broker,
        db=args.db,
        batch=args.batch,
        ack_wait=args.ack_wait,
        replicas=args.replicas,
    )
    try:
        return run(config)
    except (OSError, ValueError, ImportError) as error:
        logging.getLogger("ocpp_meter.worker").error("cannot run: %s", error)
        return 1


def _add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="strict",
        help="validation profile: strict (the schema), lenient (known firmware deviations "
        "accepted and reported), off (lenient without maxLength and minimum checks); "
        "default strict",
    )


def _add_dialect(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dialect",
        choices=DIALECTS,
        default="2.0.1",
        help="OCPP dialect of the frames: 2.0.1 or 2.1 (the 2.1 schemas: more measurands, "
        "location Upstream, optional signingMethod and publicKey...); default 2.0.1",
    )


def _dialects(values: Sequence[str]) -> tuple[BatchDialect, ...] | None:
    """The dialects of ``serve --dialect`` (repeated, or comma lists); ``None`` (all the store
    takes) when none."""
    from .server import SERVED_DIALECTS

    if not values:
        return None
    chosen: list[BatchDialect] = []
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if item not in SERVED_DIALECTS:
                raise SystemExit(
                    f"ocpp-meter serve: --dialect wants 2.0.1, 2.1 or 1.6 (or several), "
                    f"got {item!r}"
                )
            if item not in chosen:
                chosen.append(item)
    return tuple(chosen)


def _add_passwd(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    passwd = commands.add_parser(
        "passwd",
        help="set a station's Basic authentication password (security profiles 1 and 2)",
        description="Set, generate or remove a charging station's password in a password store "
        "(salted scrypt hashes, one JSON line per station, mode 0600). The password is read "
        "from the terminal (twice) or, when standard input is not a terminal, from its first "
        "line; OCPP 2.0.1 asks for 16 to 40 characters. The running endpoint picks up the "
        "change on the next connection.",
    )
    passwd.add_argument("station", help="charging station id (the Basic auth username)")
    passwd.add_argument("--store", required=True, help="password store file (created if need be)")
    action = passwd.add_mutually_exclusive_group()
    action.add_argument(
        "--generate",
        action="store_true",
        help="set a random 32-character password and print it once on standard output",
    )
    action.add_argument("--delete", action="store_true", help="remove the station")


def _add_loadgen(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    loadgen = commands.add_parser(
        "loadgen",
        help="drive a bounded MeterValues or charging-session load against a local endpoint",
        description="Open STATIONS connections to a loopback endpoint, send MeterValues CALLs "
        "(or whole charging sessions of TransactionEvents: --scenario sessions) one at a time "
        "per station for at most SECONDS, and report acknowledged frames per second and p50/p99 "
        "acknowledgement latency.",
    )
    loadgen.add_argument(
        "--url", default="ws://127.0.0.1:9000/ocpp", help="endpoint URL, loopback only"
    )
    loadgen.add_argument("--stations", type=int, default=50, help="connections (default 50)")
    loadgen.add_argument("--seconds", type=float, default=10.0, help="run time (default 10)")
    loadgen.add_argument("--max-frames", type=int, default=1_000_000, help="frames in all, at most")
    loadgen.add_argument(
        "--sampled-values", type=int, default=12, help="readings per frame (default 12)"
    )
    loadgen.add_argument(
        "--subprotocol",
        choices=("ocpp2.0.1", "ocpp2.1", "ocpp1.6"),
        default="ocpp2.0.1",
        help="WebSocket subprotocol offered (default ocpp2.0.1); the frames are valid in 2.0.1 "
        "and 2.1 alike; ocpp1.6 sends 1.6 MeterValues (scenario meter-values only)",
    )
    loadgen.add_argument(
        "--scenario",
        action="append",
        choices=("meter-values", "sessions"),
        help="what the stations send: MeterValues frames (the default) or whole charging "
        "sessions of TransactionEvents; repeat to run several one after the other",
    )
    loadgen.add_argument("--json", action="store_true", help="print the report as JSON")


def _serve(args: argparse.Namespace) -> int:
    from .server import ServeConfig, run

    _log_to_stderr(args.log_level)
    # websockets logs every connection at INFO; ours already says which station came and went.
    websockets_logger = logging.getLogger("websockets")
    websockets_logger.setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    try:
        accepted_id_tokens = _accepted_id_tokens(args)
    except (OSError, UnicodeDecodeError) as error:
        sys.stderr.write(f"ocpp-meter serve: --id-tokens: {error}\n")
        return 2
    config = ServeConfig(
        host=args.host,
        port=args.port,
        db=args.db,
        synchronous=args.synchronous,
        max_batch_frames=args.max_batch_frames,
        max_frame_bytes=args.max_frame_bytes,
        max_connections=args.max_connections,
        max_connections_per_station=args.max_connections_per_station,
        max_handshakes=args.max_handshakes,
        max_handshakes_per_address=args.max_handshakes_per_address,
        max_password_checks=args.max_password_checks,
        max_password_checks_per_address=args.max_password_checks_per_address,
        password_checks_per_second=args.password_checks_per_second,
        password_checks_per_second_per_address=args.password_checks_per_second_per_address,
        handshake_timeout=args.handshake_timeout,
        retry_after=args.retry_after,
        log_interval=args.log_interval,
        security_profile=args.security_profile,
        password_store=args.password_store,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        client_ca=args.client_ca,
        profile=args.profile,
        station_profiles=dict(_station_profile(item) for item in args.station_profile),
        dialects=_dialects(args.dialect),
        broker=args.broker,
        broker_replicas=args.replicas,
        max_message_bytes=args.max_message_bytes,
        heartbeat_interval=args.heartbeat_interval,
        accepted_id_tokens=accepted_id_tokens,
    )
    try:
        config.check()
    except ValueError as error:
        sys.stderr.write(f"ocpp-meter serve: {error}\n")
        return 2
    # Handshakes refused over the limit hold a file each too, up to max_handshakes of them.
    _raise_open_files_limit(config.max_connections + 2 * config.max_handshakes + 64)
    try:
        return run(config)
    except (OSError, ValueError) as error:
        logging.getLogger("ocpp_meter.server").error("cannot serve: %s", error)
        return 1


def _accepted_id_tokens(args: argparse.Namespace) -> frozenset[str] | None:
    """The accept list of ``--accept-id-token`` and ``--id-tokens``; ``None``: accept all."""
    if args.id_tokens is None and not args.accept_id_token:
        return None
    tokens = set(args.accept_id_token)
    if args.id_tokens is not None:
        tokens |= read_id_tokens(args.id_tokens)
    return frozenset(tokens)


def _raise_open_files_limit(wanted: int) -> None:
    """Raise the soft limit on open files towards ``wanted`` (each connection holds one)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            target = soft
    if target < wanted:
        logging.getLogger("ocpp_meter.server").warning(
            "open files limited to %d: fewer than --max-connections connections fit", target
        )


def _read_password() -> str:
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _passwd(args: argparse.Namespace) -> int:
    from .security import PasswordStore, generate_password

    try:
        store = PasswordStore.load(args.store, missing_ok=True)
        if args.delete:
            if not store.remove(args.station):
                sys.stderr.write(f"ocpp-meter passwd: no station {args.station!r}\n")
                return 1
        else:
            password = generate_password() if args.generate else _read_password()
            store.set_password(args.station, password)
        store.save(args.store)
    except (OSError, ValueError) as error:
        sys.stderr.write(f"ocpp-meter passwd: {error}\n")
        return 2
    if args.generate:
        sys.stdout.write(password + "\n")
    return 0


def _loadgen(args: argparse.Namespace) -> int:
    from .loadgen import LoadConfig, run_load

    status = 0
    for scenario in args.scenario or ["meter-values"]:
        config = LoadConfig(
            url=args.url,
            stations=args.stations,
            seconds=args.seconds,
            max_frames=args.max_frames,
            sampled_values=args.sampled_values,
            subprotocol=args.subprotocol,
            scenario=scenario,
        )
        try:
            report = asyncio.run(run_load(config))
        except ValueError as error:
            sys.stderr.write(f"ocpp-meter loadgen: {error}\n")
            return 2
        sys.stdout.write((report.to_json() if args.json else report.to_text()) + "\n")
        if not report.acknowledged:
            status = 1
    return status


def _station_profile(item: str) -> tuple[str, Profile]:
    station, _, profile = item.rpartition("=")
    if not station or profile not in PROFILES:
        raise SystemExit(
            f"ocpp-meter serve: --station-profile wants STATION=strict|lenient|off, got {item!r}"
        )
    return station, profile


if __name__ == "__main__":
    raise SystemExit(main())
