"""``python -m xentlint``: the same as the ``xentlint`` command."""

from xentlint.cli import main

if __name__ == "__main__":
    main()
