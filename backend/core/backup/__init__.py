"""Database backups, as Radarr's System > Backup: taken on schedule or by hand, listed,
downloaded, pruned, and restored (a restore is checked, staged, and applied at the next
start, before the migrations).

- `files`: the backups folder (which files are backups, of which kind, which are kept) and
  the kept count.
- `take`: taking one (SQLite's online backup API, or pg_dump), one at a time.
- `check`: whether a file may be restored (a sound SQLite file, a Trailarr database of a
  revision this code knows).
- `restore`: staging a restore, and applying it at start-up (`apply_staged_restore`).
"""
