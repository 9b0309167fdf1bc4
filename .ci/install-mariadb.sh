#!/usr/bin/env bash
# CI: installs Debian's mariadb-server for the ML Metadata MySQL tests
# (tests/metadata/test_mysql_store.py), if no server binary is there yet.
#
# Idempotent and non-interactive. It never starts the service: the tests start
# their own throwaway server (tests/support/mysql_server.py). While apt runs, a
# temporary policy-rc.d (exit 101 = "action forbidden") stops the package's
# maintainer scripts from starting mariadb; it is removed afterwards.
# Needs root (or sudo) and apt-get.
set -euo pipefail

# The server, plus the client programs the tests drive it with.
has_server() {
    local PATH="$PATH:/usr/sbin:/usr/local/sbin:/sbin"
    { command -v mariadbd || command -v mysqld; } >/dev/null 2>&1 \
        && { command -v mariadb-install-db || command -v mysql_install_db; } >/dev/null 2>&1 \
        && { command -v mariadb-admin || command -v mysqladmin; } >/dev/null 2>&1
}

if has_server; then
    echo "mariadb-server: already installed"
    exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    SUDO=(sudo -E)
fi

POLICY=/usr/sbin/policy-rc.d
created_policy=""
cleanup() {
    if [ -n "$created_policy" ]; then
        "${SUDO[@]}" rm -f "$POLICY"
    fi
}
trap cleanup EXIT

if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY"
    created_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends mariadb-server mariadb-client

if ! has_server; then
    echo "mariadb-server: installed, but mariadbd, mariadb-install-db or mariadb-admin is missing" >&2
    exit 1
fi
echo "mariadb-server: installed ($(/usr/sbin/mariadbd --version 2>/dev/null || true))"
