"""pytest plugin for scripts/test_wheels.sh: the run fails unless the tests used the installed
wheel. Checked once every test module is imported, so an import through any sys.path entry
(rootdir, conftest, the current directory) is caught."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import pytest

_SOURCE = Path(__file__).resolve().parents[1] / "python"


def _site_dirs() -> set[Path]:
    paths = sysconfig.get_paths()
    return {Path(paths["purelib"]).resolve(), Path(paths["platlib"]).resolve()}


def pytest_report_header(config: pytest.Config) -> str:
    import ocpp_meter

    return f"ocpp_meter imported from {Path(ocpp_meter.__file__).parent}"


def pytest_collection_finish(session: pytest.Session) -> None:
    import ocpp_meter._core

    for module in (sys.modules["ocpp_meter"], ocpp_meter._core):
        where = Path(module.__file__ or "").resolve()
        if not any(site in where.parents for site in _site_dirs()):
            raise pytest.UsageError(f"{module.__name__} came from {where}, not the installed wheel")
    if any(Path(p or ".").resolve() == _SOURCE for p in sys.path):
        raise pytest.UsageError(f"the source tree {_SOURCE} is on sys.path")
