#!/usr/bin/env bash
# Installs the wheel built for each CPython found into a fresh venv, with no Rust toolchain on
# PATH and binary packages only (nothing may compile), and runs the tests against the installed
# package, never the source tree: pytest runs from an empty directory, `python/` is not on
# sys.path, and scripts/installed_wheel.py (a pytest plugin) fails the run if ocpp_meter is imported from anywhere
# but the venv's site-packages.
#
#   scripts/test_wheels.sh            # the named subset below, on every version found
#   OCPP_METER_WHEEL_TESTS=all scripts/test_wheels.sh    # the whole suite
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PIP_DISABLE_PIP_VERSION_CHECK=1
DIST="$ROOT/dist"
WORK="$ROOT/target/wheel-test"

# Every public entry point (each name of ocpp_meter.__all__, every command of the CLI, the
# server, storage and the typing stubs) is exercised by these; scripts/wheel_subset_check.py
# keeps it so as the API grows. Left out, as they test the Rust core the same way on every
# version and take most of the suite's time: test_conformance, test_fuzz_api, test_hostile,
# test_memory, test_concurrency, test_endpoint_faults.
SUBSET=(
    test_types test_frames test_rules test_inputs test_limits test_batch test_rows test_dispatch
    test_dialect test_transaction_event test_transaction_event_21 test_quirks test_samples
    test_cli test_convert test_storage test_server test_subprotocols test_security test_typing
    test_cli_alike test_namespace test_sessions test_mobilityhouse test_entry_points
    test_transaction_event_response test_dispatch_transaction_event test_station_services
    test_ingest_transaction_event test_ocpp16 test_ocpp16_types test_quirks16 test_central_system16
)
if [ "${OCPP_METER_WHEEL_TESTS:-subset}" = all ]; then
    TESTS=("$ROOT/tests")
else
    TESTS=()
    for name in "${SUBSET[@]}"; do TESTS+=("$ROOT/tests/$name.py"); done
    python3 "$ROOT/scripts/wheel_subset_check.py" "${TESTS[@]}" "$ROOT/tests/typing/usage.py"
fi

# PATH for the install and test step: the venv, then the system directories, without any
# directory that holds cargo or rustc (rustup's ~/.cargo/bin and the like).
SYSTEM_PATH=""
IFS=: read -ra DIRS <<<"$PATH"
for dir in "${DIRS[@]}"; do
    [ -x "$dir/cargo" ] || [ -x "$dir/rustc" ] || [ -x "$dir/rustup" ] && continue
    SYSTEM_PATH="${SYSTEM_PATH:+$SYSTEM_PATH:}$dir"
done

mapfile -t PYTHONS < <(bash "$ROOT/scripts/find_pythons.sh")
[ "${#PYTHONS[@]}" -gt 0 ] || { echo "test_wheels: no CPython 3.9-3.13 found" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK/run"

fail() { echo "test_wheels: $*" >&2; exit 1; }
failed=()

for py in "${PYTHONS[@]}"; do
    tag=$("$py" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
    wheel=$(ls "$DIST"/ocpp_meter-*-"$tag"-"$tag"-*.whl 2>/dev/null | head -1 || true)
    [ -n "$wheel" ] || fail "no $tag wheel in dist/"
    # mypy 2, which the package's own annotations need (narrowing by membership in a typed
    # tuple), does not run on 3.9; the `test` extra gets mypy 1.19 there. That one test checks
    # the source tree, not the wheel, and runs on every other version; stubtest (binary against
    # stub), the misuse check and dispatch_usage.py's check still run on 3.9.
    deselect=()
    [ "$tag" = cp39 ] && deselect=(-k "not test_mypy_strict_accepts_the_package_and_typed_usage")
    # The `ocpp` library has no OCPP 2.1 module (ocpp.v21) in the release pip installs on 3.9
    # and 3.10 (2.0.0), and these two files drive its v21 ChargePoint: they run on 3.11 and up.
    tests=()
    for t in "${TESTS[@]}"; do
        case "$tag:$(basename "$t")" in
            cp39:test_mobilityhouse.py | cp39:test_station_services.py) ;;
            cp310:test_mobilityhouse.py | cp310:test_station_services.py) ;;
            *) tests+=("$t") ;;
        esac
    done
    venv="$WORK/$tag"
    log="$WORK/$tag.log"
    "$py" -m venv "$venv" || fail "$tag: no venv"
    start=$SECONDS
    # Each step is checked by hand: `set -e` does not apply inside a `( ... ) || ...` list.
    (
        export PATH="$venv/bin:$SYSTEM_PATH"
        unset CARGO_HOME RUSTUP_HOME PYTHONPATH VIRTUAL_ENV
        if command -v cargo >/dev/null || command -v rustc >/dev/null; then
            fail "$tag: a Rust toolchain is still on PATH"
        fi
        python -m pip install -q --only-binary=:all: "$wheel[test]" >"$log" 2>&1 \
            || { cat "$log" >&2; fail "$tag: the wheel or its test dependencies do not install"; }
        installed=$SECONDS
        cd "$WORK/run" || fail "no $WORK/run"
        PYTHONPATH="$ROOT/scripts" python -m pytest -q -p no:cacheprovider --rootdir="$ROOT" \
            -c "$ROOT/pyproject.toml" -p installed_wheel "${deselect[@]}" "${tests[@]}" >"$log" 2>&1 \
            || { tail -40 "$log" >&2; fail "$tag: tests failed (full log: $log)"; }
        echo "$tag: $(basename "$wheel"): install $((installed - start)) s," \
            "tests $((SECONDS - installed)) s: $(tail -1 "$log")"
    ) || failed+=("$tag")
done
# Every version is tried, so that one run tells which fail.
[ "${#failed[@]}" -eq 0 ] || fail "failed on: ${failed[*]}"
