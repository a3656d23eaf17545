"""``ocpp-meter bench``: ocpp-meter against its peers, measured in one run on the same frames.

Every peer that is importable is measured; the others are listed as skipped. Before a peer is
timed on a frame kind, its output for that kind is checked against ours (and ours against the
stdlib ``json`` reading of the frame): a peer that disagrees is left out of the table and the
run exits 3. Figures are medians of repeated timings; each ratio is ``peer median / our median``
from the same run (above 1: ours is faster). Progress goes to stderr, the Markdown table to
stdout; ``--json PATH`` also writes the raw results.

Usage::

    python -m ocpp_meter.bench [--quick] [--json PATH] [--gate] [--cold N]

What is measured (frames from :mod:`ocpp_meter.samples`, seed 0: small, typical, large):

* decode, acknowledge path: decode and validate the CALL and nothing else;
* decode, read-every-field path: decode, then :func:`walk` every field of the request (only the
  peers that decode into typed objects: ours, msgspec, pydantic);
* both decode paths again on TransactionEvent frames (kinds ``te-small``, ``te-typical``,
  ``te-large``: :func:`te_frames`), each peer with its TransactionEvent models
  (:func:`te_peers`), every field read by :func:`walk_transaction_event`;
* both decode paths on OCPP 1.6J MeterValues frames (kinds ``v16-small``, ``v16-typical``,
  ``v16-large``: :func:`v16_frames`), each peer with its models of the 1.6 schema
  (:func:`v16_peers`), every field read by :func:`walk16`, and a batch of 10,000 typical 1.6
  frames against its Python baseline (``--suite 1.6`` measures these alone);
* encode, frame: the whole CALL from a decoded request; encode, payload: the request alone;
* batch: 10,000 typical frames to an Arrow table of rows (:mod:`.batch`), and 10,000 frames of
  whole charging sessions, MeterValues and TransactionEvent, to rows and event records
  (:mod:`.sessions`), each against a Python baseline (msgspec, rows flattened in Python);
* the mobilityhouse adapter (:mod:`.adapter`): a ``ocpp.v201.ChargePoint`` routing the typical
  MeterValues and TransactionEvent frames to the same handler with
  :class:`~ocpp_meter.mobilityhouse.OcppMeterMixin` (the ``@on`` handler unchanged, and a typed
  one) and without it.

With ``--gate``, each goal of :data:`GOALS` is then measured again as ours and its peer alone,
in paired, alternating rounds, and judged on the median of the per-pair ratios against the goal
itself (:mod:`.goals`). The cold table gives the first calls in fresh processes and their
set-up beside the warm medians (:mod:`.cold`).
"""

from .agreement import check_decode, check_dispatch, check_encode
from .cold import ColdResult, measure_cold
from .frames import (
    KINDS,
    OURS,
    SEED,
    TE_KINDS,
    V16_KINDS,
    View,
    bench_frame,
    check_frames,
    te_frames,
    v16_frames,
)
from .goals import GOALS, Goal, gate, judge, measure_goals, paired_ratios
from .measure import Result, measure
from .peers import Peer, peers
from .peers16 import v16_peers
from .report import main, markdown, report_json, run
from .transaction_event_peers import te_peers
from .views import differences, reference_view, walk, walk16, walk_transaction_event

__all__ = [
    "GOALS",
    "KINDS",
    "OURS",
    "SEED",
    "TE_KINDS",
    "V16_KINDS",
    "ColdResult",
    "Goal",
    "Peer",
    "Result",
    "View",
    "bench_frame",
    "check_decode",
    "check_dispatch",
    "check_encode",
    "check_frames",
    "differences",
    "gate",
    "judge",
    "main",
    "markdown",
    "measure",
    "measure_cold",
    "measure_goals",
    "paired_ratios",
    "peers",
    "reference_view",
    "report_json",
    "run",
    "te_frames",
    "te_peers",
    "v16_frames",
    "v16_peers",
    "walk",
    "walk16",
    "walk_transaction_event",
]
