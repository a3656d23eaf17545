"""Fails unless the wheel-test subset exercises every public entry point: each name exported by
``ocpp_meter.__all__`` and each command of ``ocpp-meter`` must appear in at least one test file
given. Read from the source (no import), so it runs before any wheel is installed."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "ocpp_meter"
# Result types a caller never constructs nor names: they come back from decode_batch (and its
# sql_parameters()) and a lenient decoding's `.warnings`, which the subset calls and whose
# results it reads.
RESULT_TYPES = {"BatchRecords", "BatchResult", "DecodeWarning", "SqlParameters"}


def public_names() -> list[str]:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return [ast.literal_eval(e) for e in node.value.elts]  # type: ignore[attr-defined]
    raise SystemExit("wheel_subset_check: no __all__ in ocpp_meter/__init__.py")


def commands() -> list[str]:
    source = (PACKAGE / "cli.py").read_text(encoding="utf-8")
    return re.findall(r'add_parser\(\s*"([a-z-]+)"', source)


def main(paths: list[str]) -> int:
    text = "\n".join(Path(p).read_text(encoding="utf-8") for p in paths)
    missing = [
        n
        for n in public_names()
        if n not in RESULT_TYPES and not re.search(rf"\b{re.escape(n)}\b", text)
    ]
    missing += [
        f"command {c!r}" for c in commands() if not re.search(rf"[\"']{re.escape(c)}[\"']", text)
    ]
    if missing:
        print("wheel_subset_check: no test in the subset uses: " + ", ".join(missing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
