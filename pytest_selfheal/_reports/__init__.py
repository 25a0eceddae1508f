"""The reports of a run: terminal summary, JSON and HTML."""
