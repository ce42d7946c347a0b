"""smpipe's local engine: runs a compiled pipeline definition on this machine, with the
step code in sandboxes and an emulation of the built-in XGBoost algorithm.

Map: ``backend`` (the Backend protocol), ``engine`` (scheduling, caching, retry, stop),
``definition`` (parsing and the checks made before anything runs), ``expressions`` (Get,
Std:Join, Std:JsonGet, conditions), ``steps/`` (one runner per step type), ``jobs``
(subprocesses), ``store`` (s3:// in ``.smpipe/s3``), ``state``/``registry``/``database``/
``schema`` (SQLite), ``xgboost_*`` (the built-in algorithm's emulation).
"""
