"""The app about itself: what the System page shows (its status, versions and disk space)."""
