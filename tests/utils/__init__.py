"""Helpers shared by the tests; each module says what it is for."""
