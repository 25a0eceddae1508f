"""The git side: review branches, commit messages, and landing a fix."""
