"""The bottom layer: what every other layer uses and that uses nothing of the workbook.

- :mod:`.errors` — the one exception family (``ChannelLibError`` and its subclasses);
- :mod:`.files` — atomic writes: a file appears whole or not at all;
- :mod:`.calendar` — fiscal years, quarters, months and trailing windows;
- :mod:`.money` — whole cents: the one largest-remainder rounding, cents to and from text;
- :mod:`.figures` — a signed change that rounds to zero reads ``+0.0``, never ``-0.0``;
- :mod:`.config` — the project's paths and the environment variable names.
"""
