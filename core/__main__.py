"""``python -m sotesilta.core`` is the ``sotesilta`` command."""

from sotesilta.core.cli import main

main()
