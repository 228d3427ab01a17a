#!/usr/bin/env bash
# Try the wizard by hand, as a user would, against the tests' fake GitLab (answers slowed down by
# GITLAB_TOKEN_TRY_DELAY_MS, default 1500) and a private, unlocked gnome-keyring. Nothing of yours
# is touched: the config dir, the keyring and the D-Bus session live in a temp dir.
#
#   bash tests/try-it.sh            # then: tmux -L try attach   (80x24; the wizard is running)
#   bash tests/try-it.sh stop       # ends the session and removes the temp dir
#
# The fake's throwaway tokens are listed in $D/tokens.txt (paste one with tmux's paste-buffer);
# an `api` token expiring in 5 days is stored before the wizard starts, so `a` and `r` show.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
D=${GITLAB_TOKEN_TRY_DIR:-/tmp/gitlab-token-try}
if [[ "${1:-}" == stop ]]; then
    touch "$D/stop" 2>/dev/null || true
    tmux -L try kill-server 2>/dev/null || true
    [[ -f "$D/bus.pid" ]] && kill "$(cat "$D/bus.pid")" 2>/dev/null || true
    pkill -f "gnome-keyring-daemon.*$D" 2>/dev/null || true
    rm -rf "$D"
    exit 0
fi
rm -rf "$D" && mkdir -p "$D"
cargo build -q --bin gitlab-token
cargo test -q --no-run --test try_it 2>/dev/null
BIN=$PWD/target/debug/gitlab-token
[[ -n "${CARGO_TARGET_DIR:-}" ]] && BIN=$CARGO_TARGET_DIR/debug/gitlab-token
SERVER=$(cargo test -q --no-run --test try_it --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*try_it[^"]*\)".*/\1/p' | head -n1)

export XDG_RUNTIME_DIR=$D/run XDG_DATA_HOME=$D/data XDG_CACHE_HOME=$D/cache XDG_CONFIG_HOME=$D/config
mkdir -m 700 -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME"
unset DISPLAY WAYLAND_DISPLAY
dbus-daemon --session --fork --nopidfile --address="unix:path=$XDG_RUNTIME_DIR/bus" \
    --print-address=3 --print-pid=4 3>"$D/bus.addr" 4>"$D/bus.pid" </dev/null
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$D/bus.addr")
export DBUS_SESSION_BUS_ADDRESS
printf '%s' try | gnome-keyring-daemon --unlock --components=secrets >/dev/null

GITLAB_TOKEN_TRY_DIR=$D nohup "$SERVER" --ignored --exact serve >"$D/server.log" 2>&1 &
for _ in $(seq 1 200); do [[ -s "$D/url" ]] && break; sleep 0.05; done
URL=$(cat "$D/url")
awk '$1 == "expiring-api" {printf "%s", $2}' "$D/tokens.txt" |
    "$BIN" add --host "$URL" --profile mr-reviewer --ca-file "$D/ca.pem" --timeout 20 >/dev/null
tmux -L try -f /dev/null new-session -d -s try -x 80 -y 24 \
    "env NO_COLOR=${NO_COLOR:-} '$BIN' --ca-file '$D/ca.pem' --timeout 20; code=\$?; echo; echo \"[exit \$code]\"; stty -a | head -n1; sleep 3600"
echo "fake GitLab: $URL (CA $D/ca.pem, tokens in $D/tokens.txt)"
echo "attach: tmux -L try attach    stop: bash tests/try-it.sh stop"
