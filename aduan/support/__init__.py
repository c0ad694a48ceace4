"""Small shared helpers every edge may use: atomic writes, the retry policy, crash points."""
