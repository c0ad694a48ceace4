"""Edge: outgoing mail: composing from templates, the on-disk spool, sending."""
