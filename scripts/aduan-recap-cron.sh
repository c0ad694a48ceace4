#!/usr/bin/env bash
# Entry point for cron on the 1st of each month: the recap of the previous month.
#   30 7 1 * * /opt/aduan/scripts/aduan-recap-cron.sh
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 1
export ADUAN_CONFIG="${ADUAN_CONFIG:-$here/config/settings.yaml}"
month=$(date -d "$(date +%Y-%m-01) -1 day" +%Y-%m)
log="${ADUAN_LOG:-$here/var/log/aduan.log}"
mkdir -p "$(dirname "$log")"
exec "$here/.venv/bin/aduan" recap --month "$month" --send >>"$log" 2>&1
