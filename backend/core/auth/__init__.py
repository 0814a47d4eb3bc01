"""Sign-in for the web UI: password hashing, sessions and the login throttle."""
