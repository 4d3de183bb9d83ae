"""Zero-One-Shot (Rumiantsev & Coates, "Half Search Space is All You Need"): partial search-space
pruning with zero-cost ranking functions (Algorithm 1), masks over a cell space, ETENAS-style
zero-shot pruning search, and the ``zero-one-shot`` strategy (mask + PC-DARTS + beta-decay)."""
