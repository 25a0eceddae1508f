"""The refine engine: a model proposes fixes, each round seeing how the last one did."""
