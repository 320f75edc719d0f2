#!/bin/sh
# ensure-debian-package.sh PACKAGE PURPOSE COMMAND...
# A system program the tests need (Debian's chromium for the browser tests, redis-server for the
# queue tests), installed with apt-get only when none of COMMAND... is on PATH (CI runs as root).
# Playwright launches chromium by path and never downloads a browser; the Redis tests start
# redis-server themselves and fail, never skip, without it. Under CI=true a missing program that
# cannot be installed fails the run; elsewhere it is a warning and the tests that need it say so.
set -eu
package=$1 purpose=$2
shift 2
for cmd in "$@"; do
    if command -v "$cmd" >/dev/null 2>&1; then
        exit 0
    fi
done
fail() {
    echo "ensure-debian-package: $1" >&2
    [ -n "${CI:-}" ] && exit 1
    exit 0
}
command -v apt-get >/dev/null 2>&1 || fail "no $package and no apt-get; install $package ($purpose)"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo"
    else
        fail "$package is missing; run 'sudo apt-get install $package' ($purpose)"
    fi
fi
echo "ensure-debian-package: installing Debian's $package ($purpose)" >&2
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$package" >/dev/null; }; then
    fail "could not install $package with apt-get ($purpose)"
fi
command -v "$1" >/dev/null 2>&1
