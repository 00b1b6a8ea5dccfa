#!/usr/bin/env bash
# System packages the test suite needs, from Debian's archive. Idempotent: it
# installs only what is missing. openssl makes the tests' own CA and certificates;
# chromium renders the HTML report in the reports tests (driven by playwright-core,
# which downloads no browser of its own); xmllint (libxml2-utils) validates the
# JUnit XML against reports/test/junit.xsd.
set -euo pipefail
need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
# mosquitto: bench/load-broker-vs-mosquitto.ts starts its own on a loopback port (never the system service).
# mosquitto is also the independent broker of test/corpus/mosquitto-baseline.test.ts (same: own port, own config).
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
# prometheus: runners/load/test/prometheus.slow.test.ts starts its own on a loopback port with its own
# config and data folder (never the system service) and checks that load --prometheus scrapes match the report.
[ -x /usr/bin/prometheus ] || need+=(prometheus)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: need root to install: ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
