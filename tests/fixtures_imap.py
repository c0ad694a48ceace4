"""Dovecot IMAP server fixture (see issue: IMAP intake)."""
