"""The embedded demo: two offices, one simulated month."""
