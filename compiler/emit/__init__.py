"""Emitters: a checked spec -> the SageMaker pipeline definition (``definition.py``)."""
