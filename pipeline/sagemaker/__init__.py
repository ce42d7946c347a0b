"""The ``sagemaker`` backend: SageMaker Pipelines and the model registry, SDK v3 first.

``backend.SageMakerBackend`` implements ``pipeline.backends.interface.Backend``. Everything AWS goes
through ``session`` (profile, region, optional endpoint URL) and every AWS failure through
``errors.aws_errors`` (one line saying what to check). Importing this package imports
neither boto3 nor the SDK: the modules that need them do.
"""
