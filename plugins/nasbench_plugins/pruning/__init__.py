"""The zero-shot pruning engine shared by TE-NAS, ETENAS and Zero-One-Shot (an engine family)."""
