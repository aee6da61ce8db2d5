#!/bin/sh
# make dev: the app, rebuilt and relaunched when its C sources or its page
# change.
#   sh tools/dev.sh [APP OPTION…]        (make dev ARGS='--log-console')
# Watches the project (src/, web/, meson.build, web.gresource.xml…; not the
# build folder) with inotifywait (apt install inotify-tools). A change is
# built with meson; when the program came out different, the running app
# is stopped and the new one started; a build that fails leaves the
# running app alone. Ctrl+C (or the app quitting) stops everything.
set -u

cd "$(dirname "$0")/.." || exit 1
builddir=${BUILDDIR:-build}
app="$builddir/{{NAME}}"

# Our lines go to the terminal even from a trap that runs while a build's
# output is redirected.
exec 4>&1
log () {
  echo "dev: $*" >&4
}

if ! command -v inotifywait >/dev/null 2>&1; then
  log "inotifywait is not installed (apt install inotify-tools)"
  exit 1
fi

# What the loop reads, one line at a time: inotifywait's (its "Watches
# established." first, then one changed path a line) and the app's end.
state=$(mktemp -d "${TMPDIR:-/tmp}/{{NAME}}-dev-XXXXXX") || exit 1
mkfifo "$state/lines" || exit 1
exec 3<>"$state/lines"

watcher=""
runner=""
stopping=0

# The app, in a subshell that says when it ends by itself; one stopped for
# a relaunch or for Ctrl+C (a TERM to the subshell) says nothing. Background
# jobs of a script ignore SIGINT: stop() ends them all.
launch () {
  (
    child=""
    trap 'if [ -n "$child" ]; then kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi; exit 0' TERM
    "$app" "$@" </dev/null &
    child=$!
    wait "$child"
    echo "exited $?" >&3
  ) &
  runner=$!
  log "app started (pid $runner)"
}

stop_app () {
  if [ -n "$runner" ]; then
    kill "$runner" 2>/dev/null
    wait "$runner" 2>/dev/null
    runner=""
  fi
}

stop () {
  [ "$stopping" = 1 ] && return
  stopping=1
  stop_app
  if [ -n "$watcher" ]; then
    kill "$watcher" 2>/dev/null
    wait "$watcher" 2>/dev/null
  fi
  exec 3<&-
  rm -rf "$state"
  log "stopped"
}

trap 'stop; exit 0' INT TERM HUP

# The program's identity: a rebuild that changed nothing keeps the app.
stamp () {
  stat -L -c '%i %y %s' "$app" 2>/dev/null
}

build () {
  { [ -f "$builddir/build.ninja" ] || meson setup "$builddir"; } && meson compile -C "$builddir"
}

if ! build; then
  log "the first build failed"
  stop
  exit 1
fi
built=$(stamp)

# The whole project but what builds write (an editor that saves by
# renaming replaces the file a watch on meson.build would hold).
case $builddir in
  /*) skip=$builddir ;;
  *) skip=./$builddir ;;
esac
inotifywait -m -r -e close_write,moved_to,moved_from,create,delete --format '%w%f' \
  . "@$skip" @./.git @./debian @./.flatpak-builder @./flatpak-build >&3 2>&3 &
watcher=$!

while IFS= read -r line <&3; do
  case $line in
    "Setting up watches."*)
      ;;
    "Watches established.")
      # Watching before the app starts: no edit is missed after it.
      launch "$@"
      ;;
    "exited "*)
      log "the app exited (status ${line#exited }): stopping"
      runner=""
      stop
      exit 0
      ;;
    *)
      if ! build >"$state/build.log" 2>&1; then
        cat "$state/build.log" >&4
        log "the build failed: the app runs on as it was"
      elif [ "$(stamp)" != "$built" ]; then
        built=$(stamp)
        log "rebuilt ($line changed, with whatever came before it): relaunching"
        stop_app
        launch "$@"
      fi
      ;;
  esac
done
stop
