"""The stubs are code: mypy --strict checks the package and a typed usage file against them,
and stubtest checks the hand-written `_core.pyi` against the compiled module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_mypy_strict_accepts_the_package_and_typed_usage() -> None:
    result = run("mypy", "--strict", "python/ocpp_meter", "tests/typing/usage.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_rejects_misuse() -> None:
    bad = ROOT / "tests" / "typing" / "_misuse.py"
    bad.write_text(
        "import ocpp_meter\n"
        "x: int = ocpp_meter.decode_call(b'').payload.meter_value\n"
        "ocpp_meter.SampledValue(value=1.0).value = 2.0\n"
    )
    try:
        result = run("mypy", "--strict", str(bad))
    finally:
        bad.unlink()
    assert result.returncode != 0
    assert "Incompatible types in assignment" in result.stdout
    assert "read-only" in result.stdout or "Property" in result.stdout


def test_stubtest_finds_the_stub_true_to_the_module() -> None:
    pytest.importorskip("mypy.stubtest")
    result = run(
        "mypy.stubtest", "ocpp_meter._core", "--allowlist", "tests/typing/stubtest_allowlist.txt"
    )
    assert result.returncode == 0, result.stdout + result.stderr
