#!/usr/bin/env bash
# Installs MaxMind's own MMDB writer (Debian package) for the mmdb-lib baseline of bench/lookup.ts.
set -euo pipefail
if perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null; then
  echo "MaxMind::DB::Writer is installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libmaxmind-db-writer-perl
perl -MMaxMind::DB::Writer::Tree -e 'print "MaxMind::DB::Writer installed\n"'
