"""``python -m channel_lib.cli``: the ``channel-workbook`` command."""

import sys

from channel_lib.cli.commands import main

sys.exit(main())
