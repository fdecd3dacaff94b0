#!/usr/bin/env bash
# Provisions what `npm test` needs beyond node_modules: redis-server, redis-cli and Debian's chromium (CI adds docker-compose).
#
# Usage: scripts/provision.sh [--with-compose]
#   Everything present: exits 0 and prints nothing.
#   Something missing, running as root with apt-get: installs the missing Debian packages
#   (one `apt-get update`, non-interactive), then checks again.
#   Otherwise: prints one line with the exact install command and exits 1.
# TOKENMINT_PROVISION_DRY_RUN=1 prints the apt-get commands instead of running them.
# Uses only bash builtins, `id` and `apt-get`, so it can be tried with a PATH that lacks them.
set -uo pipefail

# command on PATH, Debian package that provides it
needs=(
  'redis-server redis-server'
  'redis-cli redis-tools'
  'chromium chromium'
)
for arg in "$@"; do
  case "$arg" in
    --with-compose) needs+=('docker-compose docker-compose') ;;
    *) echo "provision: unknown argument $arg (usage: scripts/provision.sh [--with-compose])" >&2; exit 2 ;;
  esac
done

missing_commands=()
missing_packages=()
find_missing () {
  missing_commands=()
  missing_packages=()
  local need
  for need in "${needs[@]}"; do
    command -v "${need% *}" >/dev/null 2>&1 && continue
    missing_commands+=("${need% *}")
    missing_packages+=("${need#* }")
  done
}

# "a, b, c"
joined () {
  local out=$1
  shift
  local word
  for word in "$@"; do out+=", $word"; done
  echo "$out"
}

find_missing
[ ${#missing_commands[@]} -eq 0 ] && exit 0
absent=$(joined "${missing_commands[@]}")

uid=$(id -u 2>/dev/null) || uid=unknown
if [ "$uid" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  install="apt-get install -y ${missing_packages[*]}"
  [ "$uid" != 0 ] && install="sudo $install"
  if command -v apt-get >/dev/null 2>&1; then
    echo "provision: $absent not on PATH; install with: $install" >&2
  else
    echo "provision: $absent not on PATH; install with: $install (Debian/Ubuntu; elsewhere install the same packages with your package manager)" >&2
  fi
  exit 1
fi

update=(apt-get update -qq)
install=(apt-get install -y -qq --no-install-recommends "${missing_packages[@]}")
if [ "${TOKENMINT_PROVISION_DRY_RUN:-}" = 1 ]; then
  echo "provision: $absent not on PATH; would run: ${update[*]} && DEBIAN_FRONTEND=noninteractive ${install[*]}"
  exit 0
fi

installing=("${missing_packages[@]}")
echo "provision: installing ${installing[*]} with apt-get (for $absent)..."
export DEBIAN_FRONTEND=noninteractive
if ! "${update[@]}" >/dev/null; then
  echo "provision: '${update[*]}' failed; install by hand: ${install[*]}" >&2
  exit 1
fi
if ! "${install[@]}" >/dev/null; then
  echo "provision: '${install[*]}' failed" >&2
  exit 1
fi

find_missing
if [ ${#missing_commands[@]} -gt 0 ]; then
  echo "provision: apt-get installed ${installing[*]} but $(joined "${missing_commands[@]}") is still not on PATH" >&2
  exit 1
fi
echo "provision: installed ${installing[*]}"
