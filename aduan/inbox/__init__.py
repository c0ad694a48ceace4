"""Edge: where complaints arrive (a Maildir or an IMAP folder, online-form responses)
and how one raw message is read."""
