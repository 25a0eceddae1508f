"""Healing one failure: localize it, select the tests, search for a fix, verify it."""
