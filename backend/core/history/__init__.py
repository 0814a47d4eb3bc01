"""Download history: the life of every recorded trailer file."""
