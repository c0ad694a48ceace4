#!/usr/bin/env bash
# Entry point for cron on the 1st of each month: the recap of the previous month.
#   30 7 1 * * /opt/aduan/scripts/aduan-recap-cron.sh
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 1
export ADUAN_CONFIG="${ADUAN_CONFIG:-$here/config/settings.yaml}"
log="${ADUAN_LOG:-$here/var/log/aduan.log}"
mkdir -p "$(dirname "$log")"
# no --month: aduan takes last month in the OFFICE's time zone (not the server's)
exec "$here/.venv/bin/aduan" recap --send >>"$log" 2>&1
