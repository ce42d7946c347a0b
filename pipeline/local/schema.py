"""The local state's SQLite schema, versioned: ``PRAGMA user_version`` holds its number.

A newer schema than this code knows is refused (a clear error instead of a wrong read);
an older one is migrated by the statements listed after it.
"""

from __future__ import annotations

SCHEMA_VERSION = 3

# MIGRATIONS[n] takes a database at version n to version n + 1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE pipelines (
        name TEXT PRIMARY KEY,
        arn TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        description TEXT,
        role_arn TEXT
    );
    CREATE TABLE pipeline_versions (
        pipeline_name TEXT NOT NULL REFERENCES pipelines(name),
        version INTEGER NOT NULL,
        definition TEXT NOT NULL,
        digest TEXT NOT NULL,
        created TEXT NOT NULL,
        PRIMARY KEY (pipeline_name, version)
    );
    CREATE TABLE executions (
        arn TEXT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        pipeline_name TEXT NOT NULL REFERENCES pipelines(name),
        pipeline_version INTEGER NOT NULL,
        status TEXT NOT NULL,
        parameters TEXT NOT NULL,
        description TEXT,
        created TEXT NOT NULL,
        started TEXT,
        ended TEXT,
        failure_reason TEXT,
        runner_pid INTEGER,
        runner_host TEXT,
        runner_started TEXT,
        stop_requested INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX executions_by_pipeline ON executions (pipeline_name, created);
    CREATE TABLE steps (
        execution_arn TEXT NOT NULL REFERENCES executions(arn),
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        started TEXT,
        ended TEXT,
        failure_reason TEXT,
        attempt INTEGER NOT NULL DEFAULT 1,
        cache_key TEXT,
        cache_source TEXT,
        log_path TEXT,
        job_pid INTEGER,
        properties TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (execution_arn, name)
    );
    CREATE INDEX steps_by_cache_key ON steps (cache_key, status);
    CREATE TABLE model_package_groups (
        name TEXT PRIMARY KEY,
        arn TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE model_packages (
        arn TEXT PRIMARY KEY,
        group_name TEXT NOT NULL REFERENCES model_package_groups(name),
        version INTEGER NOT NULL,
        approval_status TEXT NOT NULL,
        created TEXT NOT NULL,
        description TEXT,
        approval_description TEXT,
        model_data_url TEXT,
        image TEXT,
        metrics TEXT NOT NULL DEFAULT '{}',
        metrics_uri TEXT,
        source_execution TEXT,
        inference_specification TEXT,
        UNIQUE (group_name, version)
    );
    CREATE TABLE approval_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        model_package_arn TEXT NOT NULL REFERENCES model_packages(arn),
        at TEXT NOT NULL,
        status TEXT NOT NULL,
        description TEXT
    );
    """,
    # 2: the execution's step parallelism (``smpipe watch`` shows running/limit); `latest`
    # and cache lookups read an index instead of sorting every execution or earlier run.
    """
    ALTER TABLE executions ADD COLUMN max_parallel INTEGER;
    CREATE INDEX executions_by_created ON executions (created);
    CREATE INDEX steps_cache_hits ON steps (cache_key, name, ended)
        WHERE status = 'Succeeded' AND cache_source IS NULL;
    """,
    # 3: Callback steps' tokens, the message SageMaker would send, and the answer.
    """
    CREATE TABLE callbacks (
        token TEXT PRIMARY KEY,
        execution_arn TEXT NOT NULL REFERENCES executions(arn),
        step_name TEXT NOT NULL,
        queue_url TEXT NOT NULL,
        message TEXT NOT NULL,
        output_types TEXT NOT NULL,
        status TEXT NOT NULL,
        outputs TEXT,
        failure_reason TEXT,
        created TEXT NOT NULL,
        ended TEXT
    );
    CREATE INDEX callbacks_by_execution ON callbacks (execution_arn, status);
    """,
]
