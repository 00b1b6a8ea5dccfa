#!/usr/bin/env bash
# System packages the test suite needs, from Debian's archive. Idempotent: it
# installs only what is missing, and does nothing (quickly) when all is there.
# `npm test` runs it first (pretest), so the README's two commands are the
# whole set-up on a fresh Debian/Ubuntu machine when run as root; as another
# user it stops at once, naming exactly what to install.
#   openssl   makes the tests' own CA and certificates
#   chromium  renders the HTML report in the reports tests (driven by
#             playwright-core, which downloads no browser of its own)
#   xmllint   (libxml2-utils) validates the JUnit XML against reports/test/junit.xsd
#   mosquitto an independent broker: test/corpus/mosquitto-baseline.test.ts and
#             bench/load-broker-vs-mosquitto.ts start their own on a loopback
#             port with their own config (never the system service)
set -euo pipefail
need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
# prometheus: runners/load/test/prometheus.slow.test.ts starts its own on a loopback port with its own
# config and data folder (never the system service) and checks that load --prometheus scrapes match the report.
[ -x /usr/bin/prometheus ] || need+=(prometheus)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: the tests need these Debian packages, which are missing: ${need[*]}" >&2
    echo "install-system-deps: install them as root, then run npm test again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: missing ${need[*]} and no apt-get here: install them with this system's package manager" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
