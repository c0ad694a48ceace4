#!/usr/bin/env bash
# Installs the real servers and tools the test suite uses (Debian packages):
#   dovecot-imapd  - the IMAP server the inbox tests talk to
#   libreoffice-writer-nogui, fonts-liberation - .docx -> PDF (documents.pdf, docs-preview);
#                    Liberation Sans has Arial's metrics, so the templates' layout holds
#   poppler-utils  - pdftotext / pdftoppm for the PDF tests and the PNG preview
#   libreoffice-calc-nogui - the oracle that an xlsx Aduan patched opens in office software
#   postfix, dovecot-lmtpd, dovecot-sieve - a real MTA for the delivery tests (tests/fixtures_mta.py):
#                    Postfix delivers over LMTP into Dovecot, whose sieve `vacation` answers;
#                    bounces and vacation replies are real. The system's own postfix service is
#                    preseeded to "No configuration" and stopped: the tests run their own instance.
# When a package is missing and we are not root, say so; under CI=true that is an error.
set -u
need=()
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd dovecot-core)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui fonts-liberation)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
[ -x /usr/sbin/postfix ] || need+=(postfix)
dpkg -s dovecot-lmtpd >/dev/null 2>&1 || need+=(dovecot-lmtpd)
dpkg -s dovecot-sieve >/dev/null 2>&1 || need+=(dovecot-sieve)
# The packages may start the system's postfix (port 25) and dovecot (143/993) services;
# the tests never use them (each test run starts its own on free loopback ports), so stop them.
stop_system_mail() {
  for svc in postfix dovecot; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      systemctl stop "$svc" >/dev/null 2>&1 || true
    elif command -v service >/dev/null 2>&1; then
      service "$svc" stop >/dev/null 2>&1 || true
    fi
  done
}
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Memasang paket sistem untuk pengujian: ${need[*]}"
  apt-get update -qq >/dev/null 2>&1 || true
  # postfix asks which kind of mail server this is: none (the tests configure their own)
  if command -v debconf-set-selections >/dev/null 2>&1; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "postfix postfix/mailname string localhost" | debconf-set-selections
  fi
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; then
    stop_system_mail
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
