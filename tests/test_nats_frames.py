"""The worker's NATS protocol splitter (``ocpp_meter.nats_frames``): whole frames split in bulk,
a frame cut short kept for the next read, bad input refused with ``ProtocolError`` and never
anything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ocpp_meter.nats_frames import (
    MAX_CONTROL_LINE,
    Message,
    ProtocolError,
    parse_headers,
    split_frames,
    status_of,
)

HEADERS = b"NATS/1.0\r\nOcpp-Station: CS%2F1\r\nOcpp-Received: 1767571200000000\r\n\r\n"
PAYLOAD = b'[2,"m1","MeterValues",{"evseId":1}]'
REPLY = b"$JS.ACK.OCPP_METER.ocpp-meter-workers.1.7.7.1767571200000000000.0"


def hmsg(subject: bytes = b"ocpp.meter.CS1", reply: bytes = REPLY) -> bytes:
    size = len(HEADERS)
    total = size + len(PAYLOAD)
    return b"HMSG %s 1 %s %d %d\r\n%s%s\r\n" % (subject, reply, size, total, HEADERS, PAYLOAD)


def test_a_read_of_many_frames_is_split_at_once() -> None:
    data = b"INFO {}\r\n" + hmsg() * 3 + b"PING\r\nMSG a.b 7 5\r\nhello\r\n+OK\r\nPONG\r\n"
    frames, used = split_frames(data)
    assert used == len(data)
    assert frames[0] == (b"INFO", b"{}")
    for frame in frames[1:4]:
        assert frame == Message(b"ocpp.meter.CS1", b"1", REPLY, HEADERS, PAYLOAD)
    assert frames[4] == (b"PING", b"")
    assert frames[5] == Message(b"a.b", b"7", b"", b"", b"hello")
    assert frames[6:] == [(b"+OK", b""), (b"PONG", b"")]


def test_a_frame_cut_anywhere_waits_for_the_rest() -> None:
    first = hmsg()
    whole = first + b"PING\r\n"
    for cut in range(len(whole)):
        frames, used = split_frames(whole[:cut])
        # Nothing of a cut frame is taken; the rest arrives with the next read.
        assert (len(frames), used) == ((0, 0) if cut < len(first) else (1, len(first))), cut
        rest_frames, rest_used = split_frames(whole[used:])
        assert used + rest_used == len(whole) and len(frames) + len(rest_frames) == 2


def test_a_message_without_reply_and_a_status_message() -> None:
    status = b"NATS/1.0 404 No Messages\r\n\r\n"
    data = b"HMSG _INBOX.x 1 %d %d\r\n%s\r\n" % (len(status), len(status), status)
    [message], used = split_frames(data)
    assert isinstance(message, Message) and used == len(data)
    assert message.reply == b"" and message.payload == b""
    assert status_of(message.headers) == 404
    assert status_of(b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\n\r\n") == 408
    assert status_of(HEADERS) is None and status_of(b"") is None


def test_headers_parsed_on_demand() -> None:
    fields = parse_headers(HEADERS)
    assert fields == {"Ocpp-Station": "CS%2F1", "Ocpp-Received": "1767571200000000"}
    # A line without a colon is skipped; a repeated name keeps its last value; bytes that are
    # not UTF-8 are replaced, not raised.
    odd = b"NATS/1.0\r\nbroken line\r\nA: 1\r\nA: 2\r\nB: \xff\r\n\r\n"
    assert parse_headers(odd) == {"A": "2", "B": "\ufffd"}


@pytest.mark.parametrize(
    "data",
    [
        b"HELLO world\r\n",
        b"HMSG a 1 x 10\r\n",
        b"HMSG a 1 10 5\r\n0123456789\r\n",  # header size above total
        b"HMSG a 1 -1 5\r\n",
        b"HMSG a\r\n",
        b"HMSG a 1 2 3 4 5 6\r\n",
        b"MSG a 1 3\r\nabcXY",  # no CRLF after the payload
        b"MSG a 1 r 3 4\r\n",
        b"MSG a 1 99999999999999999999\r\n",
        b"\r\n",
    ],
)
def test_bad_input_is_a_protocol_error(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        split_frames(data)


def test_an_endless_control_line_is_refused() -> None:
    assert split_frames(b"HMSG " + b"a" * 100) == ([], 0)
    with pytest.raises(ProtocolError):
        split_frames(b"HMSG " + b"a" * (MAX_CONTROL_LINE + 1))


@given(st.binary(max_size=400), st.integers(min_value=0, max_value=600))
def test_any_bytes_split_or_refused_never_anything_else(noise: bytes, cut: int) -> None:
    for data in (noise, hmsg()[:cut] + noise, hmsg() + noise, noise + hmsg()):
        try:
            frames, used = split_frames(data)
        except ProtocolError:
            continue
        assert 0 <= used <= len(data)
        # What was taken splits again the same way on its own.
        again, again_used = split_frames(data[:used])
        assert again == frames and again_used == used
        for frame in frames:
            if isinstance(frame, Message):
                parse_headers(frame.headers)
                status_of(frame.headers)
