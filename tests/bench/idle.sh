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

# Per thread ("TID SWITCHES"), so a thread that exits during a measurement (tokio's blocking
# threads leave after 10 s idle) does not make the sum go down.
per_thread() {
    for t in /proc/"$PID"/task/*; do
        printf '%s %s\n' "${t##*/}" "$(awk '/ctxt_switches/ {s += $2} END {print s}' "$t/status" 2>/dev/null)"
    done
}
bytes() { stat -c %s "$OUT"; }

measure() {
    local label=$1 key=${2:-}
    local s0 b0 woke
    s0=$(per_thread); b0=$(bytes)
    [[ -n "$key" ]] && "${T[@]}" send-keys -t bench "$key"
    sleep "$IDLE"
    # Switches of the threads alive at the end, less what they had at the start (0 if new).
    woke=$(per_thread | awk 'NR == FNR { before[$1] = $2; next } { s += $2 - before[$1] } END { print s + 0 }' <(printf '%s\n' "$s0") -)
    printf '%-34s %6d context switches  %7d bytes to the terminal  (%s s)\n' \
        "$label" "$woke" "$(( $(bytes) - b0 ))" "$IDLE"
}

echo "gitlab-token wizard, pid $PID, threads: $(ls /proc/"$PID"/task | wc -l)"
measure "idle on the first screen"
measure "a key that changes nothing (x)" x
measure "a key that moves the cursor (Down)" Down
