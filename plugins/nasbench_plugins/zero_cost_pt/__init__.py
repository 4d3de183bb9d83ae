"""Zero-Cost-PT (Xiang et al.): the official scoring semantics, its fast kernel and its verification."""
