"""The package namespace: what ``import ocpp_meter`` shows is API, the submodules a user is
told to use are reachable from it, and the version is there."""

from __future__ import annotations

import subprocess
import sys
import types
from importlib.metadata import version

import ocpp_meter

IMPORTED = {"dispatch", "enums", "errors", "feature", "limits", "response_rules"}
"""Submodules the package itself imports (Python makes them attributes of the package)."""


def test_every_public_name_is_api_or_a_submodule() -> None:
    public = {name for name in vars(ocpp_meter) if not name.startswith("_")}
    stray = public - set(ocpp_meter.__all__) - set(ocpp_meter.SUBMODULES) - {"SUBMODULES"}
    assert stray == set()
    assert "annotations" not in vars(ocpp_meter)
    assert IMPORTED <= set(ocpp_meter.SUBMODULES)


def test_submodules_are_reachable_after_import_ocpp_meter() -> None:
    # A fresh interpreter: no test has imported the submodules before.
    code = (
        "import ocpp_meter\n"
        "print(ocpp_meter.rows.COLUMNS[0], ocpp_meter.sessions.MAX_POWER_W,\n"
        "      len(ocpp_meter.samples.frames(1)), ocpp_meter.storage.__name__,\n"
        "      ocpp_meter.mobilityhouse.OcppMeterMixin.__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["station_id", "1000000.0", "1", "ocpp_meter.storage", "OcppMeterMixin"]
    for name in ocpp_meter.SUBMODULES:
        try:
            module = getattr(ocpp_meter, name)
        except ImportError as error:
            # Only an optional dependency (an extra not installed here) may be missing.
            assert error.name is not None and not error.name.startswith("ocpp_meter"), error
            continue
        assert isinstance(module, types.ModuleType)
    assert set(ocpp_meter.SUBMODULES) <= set(dir(ocpp_meter))


def test_type_checkers_see_every_submodule_the_package_does_not_import() -> None:
    # __getattr__ imports them at run time; the TYPE_CHECKING block is what mypy reads.
    import ast
    from pathlib import Path

    tree = ast.parse(Path(ocpp_meter.__file__).read_text(encoding="utf-8"))
    [block] = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "_typing.TYPE_CHECKING"
    ]
    declared = {
        alias.name
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert declared == set(ocpp_meter.SUBMODULES) - IMPORTED


def test_unknown_attributes_still_fail() -> None:
    try:
        ocpp_meter.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as error:
        assert "no_such_thing" in str(error)
    else:
        raise AssertionError("an unknown attribute was found")


def test_version() -> None:
    assert ocpp_meter.__version__ == version("ocpp-meter")
    assert ocpp_meter.__version__.count(".") >= 2
