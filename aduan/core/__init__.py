"""The pure core: complaint model, SOP, working time, the engine and every rule that
decides what happens. No I/O, no edge, no config loader: settings arrive as plain
typed values."""
