#!/bin/sh
# redis-server for the bot's queue tests: Debian's package, started by the tests themselves on a
# free loopback port (tests/conftest.py, fixture `redis_url`). Installs only when missing (CI runs
# as root). The Redis tests are never skipped: without redis-server they fail saying so.
set -eu
if command -v redis-server >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-redis: no redis-server and no apt-get; install redis-server (the queue tests need it)" >&2
    [ -n "${CI:-}" ] && exit 1
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo"
    else
        echo "ensure-redis: redis-server is missing; run 'sudo apt-get install redis-server' (the queue tests need it)" >&2
        [ -n "${CI:-}" ] && exit 1
        exit 0
    fi
fi
echo "ensure-redis: installing Debian's redis-server for the queue tests" >&2
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }; then
    echo "ensure-redis: could not install redis-server with apt-get (the queue tests need it)" >&2
    [ -n "${CI:-}" ] && exit 1
    exit 0
fi
command -v redis-server >/dev/null 2>&1
