"""Importing the SageMaker Python SDK v3 without letting it reconfigure the CLI's logging.

Some SDK modules set the root logger's level or handlers, or install a rich traceback hook,
when imported. ``import_quietly`` restores all three afterwards and keeps the SDK's own
loggers at WARNING (``SMPIPE_DEBUG=1`` leaves them alone).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from types import ModuleType

SDK_LOGGERS = ("sagemaker", "sagemaker.core", "sagemaker.config")


def import_quietly(module_name: str) -> ModuleType:
    """``importlib.import_module`` with the root logger and ``sys.excepthook`` unchanged."""
    root = logging.getLogger()
    level, handlers, hook = root.level, list(root.handlers), sys.excepthook
    try:
        module = importlib.import_module(module_name)
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
        sys.excepthook = hook
    if not os.environ.get("SMPIPE_DEBUG"):
        for name in SDK_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    return module


def sdk_resources() -> ModuleType:
    """``sagemaker.core.resources``: the SDK v3 resource classes (Pipeline, ModelPackage...)."""
    return _sdk_module("sagemaker.core.resources")


def sdk_shapes() -> ModuleType:
    """``sagemaker.core.shapes``: the request shapes (Tag, ParallelismConfiguration...)."""
    return _sdk_module("sagemaker.core.shapes")


def _sdk_module(name: str) -> ModuleType:
    try:
        return import_quietly(name)
    except ImportError as error:
        from compiler.errors import UsageError

        raise UsageError(
            f"the SageMaker Python SDK v3 is not installed ({error}); "
            "install the sdk extra: pip install 'smpipe[aws,sdk]'"
        ) from error
