"""Edge: the Word documents each step outputs (docxtpl templates), optional PDF."""
