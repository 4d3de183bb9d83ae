"""TE-NAS (Chen, Gong & Wang 2021) with its authors' semantics: the ``tenas`` strategy, its
semantics switches, ``nasbench verify tenas`` and the reference folders' format (docs/tenas.md)."""
