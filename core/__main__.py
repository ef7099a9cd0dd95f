"""``python -m sotesilta.core`` is the ``sotesilta`` command."""

from .cli import main

main()
