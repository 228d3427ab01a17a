#!/usr/bin/env bash
# Benchmark: an idle wizard does not wake up and does not redraw.
# Runs the built binary in tmux, then measures over IDLE seconds (default 5):
#   - wake-ups: context switches of all its threads (from /proc/PID/task/*/status),
#   - bytes written to the terminal (tmux pipe-pane),
# idle, after a key that changes nothing, and after one that does. Prints numbers; asserts nothing.
# Usage: cargo build && bash tests/bench/idle.sh [IDLE_SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
IDLE=${1:-5}
BIN=${BIN:-target/debug/gitlab-token}
SOCK="idle-bench-$$"
OUT=$(mktemp)
T=(tmux -L "$SOCK" -f /dev/null)
trap '"${T[@]}" kill-server 2>/dev/null || true; rm -f "$OUT"' EXIT

"${T[@]}" new-session -d -s bench -x 80 -y 24 "env NO_COLOR=1 $BIN setup"
for _ in $(seq 50); do "${T[@]}" capture-pane -p -t bench | grep -q "What is the token for" && break; sleep 0.1; done
PID=$("${T[@]}" list-panes -t bench -F '#{pane_pid}')
"${T[@]}" pipe-pane -t bench "cat >> $OUT"

switches() { cat /proc/"$PID"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }
bytes() { stat -c %s "$OUT"; }

measure() {
    local label=$1 key=${2:-}
    local s0 b0
    s0=$(switches); b0=$(bytes)
    [[ -n "$key" ]] && "${T[@]}" send-keys -t bench "$key"
    sleep "$IDLE"
    printf '%-34s %6d context switches  %7d bytes to the terminal  (%s s)\n' \
        "$label" "$(( $(switches) - s0 ))" "$(( $(bytes) - b0 ))" "$IDLE"
}

echo "gitlab-token wizard, pid $PID, threads: $(ls /proc/"$PID"/task | wc -l)"
measure "idle on the first screen"
measure "a key that changes nothing (x)" x
measure "a key that moves the cursor (Down)" Down
