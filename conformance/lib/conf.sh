# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for shell conformance tests: step NAME (names the current step), fail MSG (prints
# "FAIL: <step>: MSG", the reason the reports show, and exits 1). Environment as for the Python tests.
CONF_STEP=setup
step() { CONF_STEP=$1; echo "# step: $1"; }
fail() { echo "FAIL: $CONF_STEP: $*"; exit 1; }
