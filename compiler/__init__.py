"""smpipe's compiler: YAML pipeline spec -> validated model -> SageMaker pipeline definition.

Nothing in this package imports the SageMaker SDK, boto3, pandas or the ``pipeline`` package:
``smpipe validate`` and ``smpipe compile`` must start fast and run offline.
"""

__version__ = "0.1.0"
