"""The coder's workbench: where a coding team will review, decide and export (issue 17).

It will sit above `vertcode.run`, reading results and writing decisions to its own database.
"""
