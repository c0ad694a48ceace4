#!/usr/bin/env bash
# Entry point for cron: one Aduan cycle, logged to a file, quiet when all is well.
#   */5 * * * * /opt/aduan/scripts/aduan-cron.sh
# Settings: ADUAN_CONFIG (default: config/settings.yaml next to this script's repo).
# Exit codes are aduan's own (0 ok, 1 partial, 2 config, 3 another run busy, 4 failed);
# a busy lock (3) is normal when a run takes longer than the interval, so it is not an error here.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 1
export ADUAN_CONFIG="${ADUAN_CONFIG:-$here/config/settings.yaml}"
log="${ADUAN_LOG:-$here/var/log/aduan.log}"
mkdir -p "$(dirname "$log")"
"$here/.venv/bin/aduan" run >>"$log" 2>&1
rc=$?
[ "$rc" = 3 ] && exit 0
exit "$rc"
