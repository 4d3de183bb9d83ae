"""``python -m nasbench`` runs the CLI (same as the ``nasbench`` console script)."""

from nasbench.cli import main

if __name__ == "__main__":
    main()
