#!/bin/sh
# Chromium for the browser tests: Debian's package. Playwright launches it by path and never
# downloads a browser of its own. Installs only when missing (CI runs as root).
set -eu
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no chromium and no apt-get; install chromium to run the browser tests" >&2
    [ -n "${CI:-}" ] && exit 1
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo"
    else
        echo "ensure-chromium: chromium is missing; run 'sudo apt-get install chromium' for the browser tests" >&2
        [ -n "${CI:-}" ] && exit 1
        exit 0
    fi
fi
echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null 2>&1
