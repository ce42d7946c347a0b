"""A local emulation of SageMaker's built-in XGBoost 1.7-1 training algorithm.

The training image ``sagemaker-xgboost:1.7-1`` in algorithm mode (no entry point) does, per
sagemaker-xgboost-container's 1.7-1 branch (``algorithm_mode/train.py``):

1. validate the string hyperparameters (``xgboost_hyperparameters``) and the channels
   (``train`` required, ``validation`` optional; the train channel's content type for both);
2. load each channel with XGBoost's own parser (``xgboost_data``);
3. ``xgb.train`` with the validated parameters, the watchlist ``train`` then ``validation``,
   the container's metric handling, and early stopping when asked;
4. save the booster as ``xgboost-model`` with ``Booster.save_model`` (XGBoost 1.7's binary
   format: the file name has no .json extension), which SageMaker packs into model.tar.gz.

Nothing sets a seed, so training uses XGBoost's default (0) like the container: the same
data and hyperparameters give the same model bytes (XGBoost 1.7.4, the container's, gives
the same bytes as the local 1.7.6 for the Titanic spec). One difference: ``nthread``
defaults to 1 here (see ``_train``), which does not change the model.

The log mimics the container's CloudWatch stream, ``[0]#011train-logloss:...#011validation-
logloss:...`` included (CloudWatch shows the tab as #011, and SageMaker's metric regexes
expect it), so the same regexes work on ``smpipe logs``.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import tempfile
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from compiler.algorithms.xgboost_hyperparameters import (
    MAXIMIZE_METRICS,
    HyperparameterError,
    validate,
)
from pipeline.local import xgboost_data as data

MODEL_NAME = "xgboost-model"
ARCHIVE_NAME = "model.tar.gz"
CHANNELS = ("train", "validation", "code")

# Substrings of XGBoost errors that the container reports as the user's fault.
CUSTOMER_ERRORS = [
    "label must be in [0,1] for logistic regression",
    "label must be in [0, num_class)",
    "Target is multiclass but average='binary'",
    "feature_names mismatch",
    "Check failed: preds.size() == info.labels_.size()",
    "Check failed: !auc_error AUC: the dataset only contains pos or neg samples",
    "Check failed: base_score > 0.0f && base_score < 1.0f base_score must be in (0,1) for "
    "logistic loss",
    "Check failed: label_correct PoissonRegression: label must be nonnegative",
    "Check failed: label_correct TweedieRegression: label must be nonnegative",
    "Parameter reg_lambda should be greater equal to 0",
]


@dataclass(frozen=True)
class Channel:
    """One input channel: a folder (or file) holding its data, and its ContentType
    (None is SageMaker's default for this algorithm, LIBSVM)."""

    path: Path
    content_type: str | None = "text/csv"


class AlgorithmError(Exception):
    """Training failed. ``str(error)`` is the container's message on one line; ``kind`` is
    what SageMaker prefixes to a FailureReason: ``ClientError`` for the user's mistakes,
    ``AlgorithmError`` otherwise; ``failure_reason`` joins the two."""

    def __init__(self, message: str, kind: str = "ClientError") -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def failure_reason(self) -> str:
        return f"{self.kind}: {self}"


class _Log:
    """The container's log lines: ``[2024-01-31:12:00:00:INFO] message``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, message: str, level: str = "INFO") -> None:
        stamp = time.strftime("%Y-%m-%d:%H:%M:%S", time.gmtime())
        self.raw(f"[{stamp}:{level}] {message}")

    def raw(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


def train(
    channels: Mapping[str, Channel],
    hyperparameters: Mapping[str, str],
    model_dir: Path,
    log: TextIO,
) -> None:
    """Train like the built-in algorithm; write ``model_dir/model.tar.gz`` (``xgboost-model``).

    Raises AlgorithmError for anything the job's user caused (bad hyperparameters, channels
    or data), with the container's kind of message.
    """
    out = _Log(log)
    out("Running XGBoost Sagemaker in algorithm mode (smpipe local emulation of 1.7-1)")
    try:
        config = validate(hyperparameters)
        dtrain, dvalidation = _load_channels(channels, config, out)
        booster = _train(config, dtrain, dvalidation, out)
    except HyperparameterError as error:
        kind = "AlgorithmError" if error.internal else "ClientError"
        raise AlgorithmError(str(error), kind) from None
    except data.ChannelDataError as error:
        raise AlgorithmError(str(error)) from None
    _save(booster, Path(model_dir), out)


def _load_channels(
    channels: Mapping[str, Channel], config: Mapping[str, Any], out: _Log
) -> tuple[Any, Any]:
    if "train" not in channels:
        raise data.ChannelDataError("Missing required channel: train")
    for name, channel in channels.items():
        if name not in CHANNELS:
            raise data.ChannelDataError(f"Extraneous channel found: {name}")
        data.file_type(channel.content_type)  # each channel's content type must be valid
    kind = data.file_type(channels["train"].content_type)
    if config.get("use_dask_gpu_training") == "true":
        raise data.ChannelDataError(
            "use_dask_gpu_training needs GPUs; smpipe's local emulation trains on the CPU"
        )
    train_path = Path(channels["train"].path)
    validation = channels.get("validation")
    validation_path = Path(validation.path) if validation else None
    if validation_path is not None and train_path.name == validation_path.name:
        out("Found same path for training and validation. This is not recommended and "
            "results may not be correct.", "WARNING")  # fmt: skip
    csv_weights = int(config.get("csv_weights", 0))
    matrices: list[Any] = []
    for path in (train_path, validation_path):
        if path is None or data.channel_size(path) == 0:
            matrices.append(None)
            continue
        data.validate_files(path, kind, out)
        matrices.append(data.load_dmatrix(path, kind, csv_weights, out))
    dtrain, dvalidation = matrices
    if dtrain is None:
        raise data.ChannelDataError(f"No data in training channel path {train_path}")
    if validation_path is not None and dvalidation is None:
        raise data.ChannelDataError(f"No data in validation channel path {validation_path}")
    out("Single node training.")
    out(f"Train matrix has {dtrain.num_row()} rows and {dtrain.num_col()} columns")
    if dvalidation is not None:
        out(f"Validation matrix has {dvalidation.num_row()} rows")
    return dtrain, dvalidation


def _train(config: Mapping[str, Any], dtrain: Any, dvalidation: Any, out: _Log) -> Any:
    import xgboost as xgb

    params = dict(config)
    for unsupported in ("_kfold", "_num_cv_round"):
        if unsupported in params:
            raise data.ChannelDataError(
                f"{unsupported} (cross-validation) is accepted by SageMaker's XGBoost, but "
                "smpipe's local emulation does not run it"
            )
    num_round = params.pop("num_round")
    # The container leaves nthread to XGBoost (every core). Here one thread unless asked:
    # the exact tree method gives the same model bytes whatever the thread count (a test
    # checks it), and idle OpenMP threads spin, which slows training by 10-50x on a machine
    # busy with other steps.
    params.setdefault("nthread", 1)
    for dropped in ("save_model_on_termination", "use_dask_gpu_training", "csv_weights"):
        params.pop(dropped, None)
    if params.get("updater"):
        params["updater"] = ",".join(params["updater"])
    tuning = params.pop("_tuning_objective_metric", None)
    tuning_metrics = tuning.split(":", 1)[1].split(",") if tuning else None
    eval_metric = params.get("eval_metric")
    wanted = list(dict.fromkeys((eval_metric or []) + (tuning_metrics or [])))
    custom = [name for name in wanted if name in _CUSTOM_METRICS]
    native = [name for name in wanted if name not in custom]
    if native:
        params["eval_metric"] = native
    else:
        params.pop("eval_metric", None)

    callbacks: list[Any] = [_evaluation_log(out)]
    early_stopping_rounds = params.pop("early_stopping_rounds", None)
    stop_metric = (tuning_metrics or eval_metric or [None])[-1]
    if early_stopping_rounds and dvalidation is not None and stop_metric:
        callbacks.append(
            xgb.callback.EarlyStopping(
                rounds=early_stopping_rounds,
                data_name="validation",
                metric_name=stop_metric,
                maximize=stop_metric in MAXIMIZE_METRICS,
                save_best=True,
            )
        )
    watchlist = [(dtrain, "train")]
    if dvalidation is not None:
        watchlist.append((dvalidation, "validation"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # feval's deprecation notice, as in the container
            return xgb.train(
                params,
                dtrain,
                num_boost_round=num_round,
                evals=watchlist,
                feval=_custom_feval(custom) if custom else None,
                callbacks=callbacks,
                verbose_eval=False,
            )
    except xgb.core.XGBoostError as error:
        message = data.clean_xgboost_error(error)
        if any(known in str(error) for known in CUSTOMER_ERRORS):
            raise data.ChannelDataError(message) from None
        raise AlgorithmError(f"XGB train call failed with exception: {message}",
                             "AlgorithmError") from None  # fmt: skip


def _evaluation_log(out: _Log) -> Any:
    """xgboost.callback.EvaluationMonitor's line, written to the job log CloudWatch-style."""
    import xgboost as xgb

    class EvaluationLog(xgb.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            line = f"[{epoch}]" + "".join(
                f"#011{data_name}-{metric}:{values[-1]:.5f}"
                for data_name, metrics in evals_log.items()
                for metric, values in metrics.items()
            )
            out.raw(line)
            return False

    return EvaluationLog()


def _custom_feval(names: list[str]) -> Any:
    """The container's sklearn-computed metrics (accuracy, f1, ...), one tuple per metric."""

    def feval(preds: Any, dmatrix: Any) -> list[tuple[str, float]]:
        return [(name, float(_CUSTOM_METRICS[name](preds, dmatrix))) for name in names]

    return feval


def _class_metric(name: str, **options: Any) -> Any:
    def compute(preds: Any, dmatrix: Any) -> float:
        import numpy as np
        from sklearn import metrics

        if preds.size == 0:
            return 0.0
        # Like the container: compare margins/probabilities in log-odds space.
        labels = np.argmax(preds, axis=-1) if preds.ndim > 1 else (preds > 0.0).astype(int)
        return float(getattr(metrics, name)(dmatrix.get_label(), labels, **options))

    return compute


def _regression_metric(name: str, **options: Any) -> Any:
    def compute(preds: Any, dmatrix: Any) -> float:
        from sklearn import metrics

        return float(getattr(metrics, name)(dmatrix.get_label(), preds, **options))

    return compute


_CUSTOM_METRICS: dict[str, Any] = {
    "accuracy": _class_metric("accuracy_score"),
    "balanced_accuracy": _class_metric("balanced_accuracy_score"),
    "f1": _class_metric("f1_score", average="macro"),
    "f1_binary": _class_metric("f1_score", average="binary"),
    "f1_macro": _class_metric("f1_score", average="macro"),
    "precision": _class_metric("precision_score"),
    "precision_macro": _class_metric("precision_score", average="macro"),
    "precision_micro": _class_metric("precision_score", average="micro"),
    "recall": _class_metric("recall_score"),
    "recall_macro": _class_metric("recall_score", average="macro"),
    "recall_micro": _class_metric("recall_score", average="micro"),
    "mse": _regression_metric("mean_squared_error"),
    "rmse": _regression_metric("mean_squared_error", squared=False),
    "mae": _regression_metric("mean_absolute_error"),
    "r2": _regression_metric("r2_score"),
}


def _save(booster: Any, model_dir: Path, out: _Log) -> None:
    """model_dir/model.tar.gz holding xgboost-model; fixed mtimes and owners, so the same
    booster gives the same archive bytes."""
    model_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        model_file = Path(folder) / MODEL_NAME
        booster.save_model(str(model_file))
        payload = model_file.read_bytes()
    info = tarfile.TarInfo(MODEL_NAME)
    info.size, info.mtime, info.mode = len(payload), 0, 0o644
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(payload))
    archive = model_dir / ARCHIVE_NAME
    with archive.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
        packed.write(buffer.getvalue())
    out(f"Stored trained model at {archive} ({MODEL_NAME}, {len(payload)} bytes)")
