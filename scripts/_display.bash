# Sourced by scripts/demo and scripts/test: run_with_display WHO COMMAND [ARGS...]
# Runs COMMAND as is when there is a display (DISPLAY or WAYLAND_DISPLAY); otherwise says so on
# stderr and runs it under `xvfb-run -a` on a virtual X server. Returns COMMAND's exit status.
run_with_display() {
  local who=$1; shift
  if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
    "$@"; return
  fi
  if ! command -v xvfb-run >/dev/null; then
    echo "$who: no display and no xvfb-run: running without X (anything that needs X will fail)" >&2
    "$@"; return
  fi
  echo "$who: no display (DISPLAY and WAYLAND_DISPLAY are unset): running under xvfb-run" >&2
  local shown rc=0 n i
  shown=$(mktemp)
  # The inner shell records which display xvfb-run picked, so that we can wait for its Xvfb:
  # xvfb-run only signals the server and returns, leaving it to exit after us.
  xvfb-run -a -s "-screen 0 1920x1080x24" \
    bash -c 'echo "$DISPLAY" >"$0"; exec "$@"' "$shown" "$@" || rc=$?
  n=$(<"$shown"); n=${n#:}; rm -f "$shown"
  for ((i = 0; i < 50; i++)); do   # Xvfb deletes its lock file when it has shut down
    [[ -n $n && -e /tmp/.X$n-lock ]] || break
    sleep 0.1
  done
  return "$rc"
}
