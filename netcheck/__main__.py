"""``python -m netcheck``: the same as the ``netcheck`` command."""

from netcheck.entry import main

if __name__ == "__main__":
    main()
