"""The hypothesis settings of a test run: a fresh seed per run, printed, and a long mode.

* Seed: ``OCPP_METER_HYPOTHESIS_SEED=<n>`` (or pytest's ``--hypothesis-seed=<n>``) replays a run;
  without it every run draws a fresh seed, which ``tests/conftest.py`` prints in the header and
  again at the end of the run, so that any failure in CI can be reproduced from its log.
* Long mode: ``OCPP_METER_HYPOTHESIS_SCALE=<k>`` multiplies every property test's example count
  by ``k`` (``OCPP_METER_FUZZ_EXAMPLES=<n>`` still sets ``tests/test_fuzz_api.py``'s count).
"""

from __future__ import annotations

import os
import secrets
import zlib

SEED_ENV = "OCPP_METER_HYPOTHESIS_SEED"
SCALE_ENV = "OCPP_METER_HYPOTHESIS_SCALE"

SEED: int = int(os.environ.get(SEED_ENV) or secrets.randbits(32))
"""This run's seed; ``conftest.pytest_configure`` replaces it with ``--hypothesis-seed``."""

SCALE: int = max(1, int(os.environ.get(SCALE_ENV) or 1))
"""The long mode's multiplier of example counts (1 in CI)."""


def examples(count: int) -> int:
    """A property test's example count, scaled for the long mode."""
    return count * SCALE


def seed_for(name: str) -> int:
    """The seed of one named property within this run: differs between properties, and is
    the same for the same run seed."""
    return zlib.crc32(name.encode()) ^ SEED
