"""Edge: Google accounts (service account or the office's OAuth token) and Drive."""
