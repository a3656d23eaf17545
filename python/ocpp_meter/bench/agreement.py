"""Before a peer is timed, its results must agree with ours: the checks."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .frames import OURS
from .peers import Peer
from .views import differences, reference_view


def _fail_on(diffs: list[str], who: str, index: int) -> None:
    if diffs:
        shown = "\n  ".join(diffs[:10])
        more = f"\n  ... and {len(diffs) - 10} more" if len(diffs) > 10 else ""
        raise AssertionError(f"{who} disagree on frame {index}:\n  {shown}{more}")


def check_decode(peer: Peer, frames: Sequence[bytes], ours: Peer) -> None:
    """Fail unless ``peer`` decodes every frame exactly as ours does, ours as stdlib ``json``.

    Raises:
        AssertionError: naming the peer, the frame and the first differences found.
    """
    assert ours.view is not None and peer.view is not None
    for index, frame in enumerate(frames):
        ours_view = ours.view(frame)
        _fail_on(differences(reference_view(frame), ours_view), f"{OURS} vs stdlib json", index)
        if peer is not ours:
            _fail_on(differences(ours_view, peer.view(frame)), f"{peer.name} vs {OURS}", index)


def check_encode(peer: Peer, frames: Sequence[bytes]) -> None:
    """Fail unless what ``peer`` encodes from each decoded frame reads back as that frame.

    Raises:
        AssertionError: naming the peer, the encoder, the frame and the first differences.
    """
    assert peer.prepare is not None
    for index, frame in enumerate(frames):
        expected = reference_view(frame)
        if peer.encode_frame is not None:
            out = peer.encode_frame(peer.prepare(frame))
            _fail_on(differences(expected, reference_view(out)), f"{peer.name} frame", index)
        if peer.encode_payload is not None:
            out = peer.encode_payload(peer.prepare(frame))
            text = out.decode("utf-8") if isinstance(out, bytes) else out
            call = json.loads(frame)
            wrapped = json.dumps([2, call[1], "MeterValues", None])[:-5] + text + "]"
            _fail_on(differences(expected, reference_view(wrapped)), f"{peer.name} payload", index)


def check_dispatch(peer: Peer, frames: Sequence[bytes]) -> None:
    """Fail unless ``peer`` answers each frame with the CALLRESULT ours sends: ``[3, id, {}]``.

    Raises:
        AssertionError: naming the peer and the frame.
    """
    assert peer.dispatch is not None
    for index, frame in enumerate(frames):
        reply = json.loads(peer.dispatch(frame))
        expected = [3, json.loads(frame)[1], {}]
        _fail_on([] if reply == expected else [f"{reply!r} != {expected!r}"], peer.name, index)


def check_batch(peer: Peer, ours: Peer, frames: list[bytes]) -> None:
    """Fail unless ``peer``'s batch rows equal ours, row by row and column by column.

    Raises:
        AssertionError: naming the peer and the first row that differs.
    """
    assert peer.batch_rows is not None and ours.batch_rows is not None
    theirs, mine = peer.batch_rows(frames), ours.batch_rows(frames)
    if len(theirs) != len(mine):
        raise AssertionError(f"{peer.name}: {len(theirs)} rows, ours {len(mine)}")
    for index, (a, b) in enumerate(zip(theirs, mine)):
        _fail_on([] if a == b else [f"{a!r} != {b!r}"], f"{peer.name} batch row", index)
