"""Radarr and Sonarr: the v3 API client, path mapping, the library sync and the poster cache."""
