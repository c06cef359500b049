"""One page module per notebook: the charts, tables, captions and sentences of its report.

A notebook calls its analysis for the numbers and its page for what the reader sees; the
notebook's explorer calls the same page functions, so a caption or a column list has one home.
The batch that runs the notebooks lives in :mod:`channel_lib.batch`, not here.
"""
