#!/usr/bin/env bash
# Prints one interpreter per supported CPython minor version (3.9 to 3.13) found here, oldest
# first: $OCPP_METER_PYTHONS if set, else pyenv's versions, else python3.X on PATH.
# Free-threaded builds (3.13t) are left out: the module declares it needs the GIL.
set -euo pipefail
if [ -n "${OCPP_METER_PYTHONS:-}" ]; then
    printf '%s\n' $OCPP_METER_PYTHONS
    exit 0
fi
PYENV_ROOT_DIR=""
command -v pyenv >/dev/null 2>&1 && PYENV_ROOT_DIR="$(pyenv root)"
for minor in 9 10 11 12 13; do
    found=""
    if [ -n "$PYENV_ROOT_DIR" ]; then
        # The newest patch release of 3.$minor that pyenv holds (not 3.13t).
        found=$(ls -d "$PYENV_ROOT_DIR"/versions/3."$minor".* 2>/dev/null \
            | grep -E "/3\.$minor\.[0-9]+$" | sort -V | tail -1 || true)
        [ -n "$found" ] && found="$found/bin/python"
    fi
    if [ -z "$found" ]; then
        found=$(command -v "python3.$minor" 2>/dev/null || true)
    fi
    [ -n "$found" ] && [ -x "$found" ] && echo "$found"
done
exit 0
