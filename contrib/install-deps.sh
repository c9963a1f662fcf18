#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Install the Debian packages listed in contrib/debian-build-deps.txt that are missing.
# Idempotent: does nothing (not even `apt-get update`) when everything is installed.
set -euo pipefail

LIST=$(dirname "$(readlink -f "$0")")/debian-build-deps.txt
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$LIST")

missing=()
for p in "${pkgs[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$status" = installed ] || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
        echo "install-deps: all ${#pkgs[@]} packages installed"
else
        if [ "$(id -u)" != 0 ]; then
                echo "install-deps: missing packages (run as root): ${missing[*]}" >&2
                exit 1
        fi
        echo "install-deps: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q "${missing[@]}"
fi

# not a Debian 12 package: the tests use the kubectl found on PATH (1.27-1.33)
if ! command -v kubectl > /dev/null; then
        echo "install-deps: WARNING: kubectl not on PATH; the end-to-end tests need it" >&2
fi
