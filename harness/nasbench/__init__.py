"""nasbench: one pluggy host for search spaces, benchmarks, proxies, scorers and strategies."""

__version__ = "0.1.0"
