"""The library: roots, media folders and the scan of local roots."""
