"""aiosmtpd SMTP server fixture (see issue: notifications)."""
