"""The ``channel-workbook`` command line (:mod:`.commands`; ``actions`` in :mod:`.actions`)."""

from channel_lib.cli.commands import build_parser, main

__all__ = ["build_parser", "main"]
