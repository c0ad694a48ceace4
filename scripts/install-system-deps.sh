#!/usr/bin/env bash
# Installs the real servers and tools the test suite uses (Debian packages):
#   dovecot-imapd  - the IMAP server the inbox tests talk to
#   libreoffice-writer-nogui, fonts-liberation - .docx -> PDF (documents.pdf, docs-preview);
#                    Liberation Sans has Arial's metrics, so the templates' layout holds
#   poppler-utils  - pdftotext / pdftoppm for the PDF tests and the PNG preview
#   libreoffice-calc-nogui - the oracle that an xlsx Aduan patched opens in office software
# When a package is missing and we are not root, say so; under CI=true that is an error.
set -u
need=()
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd dovecot-core)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui fonts-liberation)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Memasang paket sistem untuk pengujian: ${need[*]}"
  apt-get update -qq >/dev/null 2>&1 || true
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; then
    exit 0
  fi
  echo "GAGAL memasang ${need[*]} dengan apt-get." >&2
else
  echo "Paket sistem tidak ada: ${need[*]} (jalankan sebagai root: apt-get install ${need[*]})." >&2
fi
if [ "${CI:-}" = true ]; then
  echo "CI=true: pengujian membutuhkan ${need[*]}; berhenti." >&2
  exit 1
fi
echo "Pengujian yang membutuhkan ${need[*]} akan dilewati." >&2
exit 0
