"""Connect: what happened, told to notification targets and media servers (bus.py)."""
