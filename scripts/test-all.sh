#!/usr/bin/env bash
# Runs every test: installs the Debian packages the integration tests need when they are
# missing (real servers: Mosquitto, VictoriaMetrics, pymodbus, mbpoll), then typecheck, build
# and the whole vitest suite. `.ci/run` calls exactly this through `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have mosquitto || need+=(mosquitto)
have mosquitto_pub || need+=(mosquitto-clients)
have victoria-metrics || need+=(victoria-metrics)
have mbpoll || need+=(mbpoll)
have openssl || need+=(openssl) # the MQTT target's TLS test makes a private CA
have chromium || need+=(chromium) # the dashboard's end-to-end test (playwright-core drives it)
have systemd-analyze || need+=(systemd) # verifies deploy/cbm-gateway.service (the unit is not started)
/usr/bin/python3 -c 'import pymodbus' >/dev/null 2>&1 || need+=(python3-pymodbus)
# pymodbus only recommends it, and recommends are skipped below: the RTU test's serial server needs it.
/usr/bin/python3 -c 'import serial_asyncio' >/dev/null 2>&1 || need+=(python3-serial-asyncio)
if ((${#need[@]})); then
  echo "installing Debian packages for the tests: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[ -d node_modules ] || npm ci
npm run typecheck
npm run build
report="$(mktemp -t cbm-vitest-XXXXXX.json)"
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line for CI readers: "N passed, N failed".
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' "$report" || true
exit "$status"
