#!/usr/bin/env bash
# Builds the release artefacts into dist/: the sdist, then one manylinux wheel per CPython found,
# each built from the unpacked sdist (so the sdist is proved to build, and nothing outside it
# reaches a wheel). Wheels are linked with zig against glibc 2.17 (manylinux2014), checked by
# maturin while building and again by auditwheel.
#
#   scripts/build_wheels.sh                 # every CPython 3.9-3.13 found (see find_pythons.sh)
#   OCPP_METER_PYTHONS="/usr/bin/python3.12" scripts/build_wheels.sh
#
# One wheel per version, not one abi3 wheel: the limited API lacks the buffer protocol before
# 3.11, and on 3.11 an abi3 build costs 7.5% more instructions reading every field of the typical
# frame (callgrind; README, "Installing").
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PIP_DISABLE_PIP_VERSION_CHECK=1
DIST="$ROOT/dist"
WORK="$ROOT/target/wheel-build"
# The release profile (fat LTO, one codegen unit) compiles the crate on one core, so versions
# are built side by side, one per core, each in its own target directory (kept for next time).
JOBS="${OCPP_METER_BUILD_JOBS:-$(nproc)}"

mapfile -t PYTHONS < <(bash "$ROOT/scripts/find_pythons.sh")
[ "${#PYTHONS[@]}" -gt 0 ] || { echo "build_wheels: no CPython 3.9-3.13 found" >&2; exit 1; }

# The build tools live in their own venv: maturin, zig (the ziglang package) and auditwheel.
TOOLS="$WORK/tools"
if [ ! -x "$TOOLS/bin/maturin" ] || [ ! -x "$TOOLS/bin/auditwheel" ]; then
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/pip" install -q 'maturin>=1.7,<2' 'ziglang>=0.13' 'auditwheel>=6'
fi
# cargo-zigbuild (inside maturin) runs `python -m ziglang` with this interpreter.
export CARGO_ZIGBUILD_PYTHON_PATH="$TOOLS/bin/python"

rm -rf "$DIST" "$WORK/sdist"
mkdir -p "$DIST" "$WORK/sdist"
"$TOOLS/bin/maturin" sdist --out "$DIST" >"$WORK/sdist.log" 2>&1 \
    || { cat "$WORK/sdist.log" >&2; echo "build_wheels: no sdist" >&2; exit 1; }
SDIST=$(ls "$DIST"/ocpp_meter-*.tar.gz)
tar -xzf "$SDIST" -C "$WORK/sdist"
SRC=$(ls -d "$WORK"/sdist/ocpp_meter-*/)
echo "sdist: $(basename "$SDIST") ($(du -k "$SDIST" | cut -f1) KiB)"

build_one() {
    local py="$1" tag log wheel report start=$SECONDS
    tag=$("$py" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
    log="$WORK/$tag.log"
    (cd "$SRC" && CARGO_TARGET_DIR="$ROOT/target/wheels/$tag" "$TOOLS/bin/maturin" build \
        --release --strip --zig --compatibility manylinux2014 --auditwheel check \
        --interpreter "$py" --out "$DIST" >"$log" 2>&1) \
        || { cat "$log" >&2; echo "build_wheels: $tag failed" >&2; return 1; }
    wheel=$(ls "$DIST"/ocpp_meter-*-"$tag"-"$tag"-*.whl)
    # auditwheel reads the symbol versions the extension needs and names the newest platform
    # they allow; anything newer than manylinux_2_17 fails the release.
    report=$("$TOOLS/bin/auditwheel" show "$wheel")
    if ! grep -qE '"manylinux_2_(5|12|17)_x86_64"' <<<"$report"; then
        echo "$report" >&2
        echo "build_wheels: $(basename "$wheel") is not manylinux2014-compliant" >&2
        return 1
    fi
    echo "wheel: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB," \
        "built in $((SECONDS - start)) s," \
        "auditwheel: $(grep -oE '"manylinux_[0-9_]+x86_64"' <<<"$report" | head -1))"
}

start=$SECONDS
pids=()
for py in "${PYTHONS[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
    build_one "$py" &
    pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" -eq 0 ] || exit 1
echo "built ${#PYTHONS[@]} wheels in $((SECONDS - start)) s, $JOBS at a time"
