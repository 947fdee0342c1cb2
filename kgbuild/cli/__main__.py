"""`python -m kgbuild.cli`: the `kgbuild` command."""

from kgbuild.cli.base import main

if __name__ == "__main__":
    main()
