"""The run-side commands of ``smpipe``: one module per command, named in ``pipeline.cli``."""
