"""``python -m nrlink.cli``: the ``nrlink`` command line (see :mod:`nrlink.cli.main`)."""

from nrlink.cli.main import main

if __name__ == "__main__":
    main()
