"""DataPreProcessing with PySpark: the same outputs as preprocess.py, computed by Spark.

Runs in SageMaker's Spark processing container (smspark-submit, across the job's instances)
and locally under smpipe's engine (Spark in local mode). Same inputs, outputs, columns,
number format and learned-on-train-only rules as preprocess.py (pipeline/code/README.md);
a test checks both write identical files.

Inputs (one raw Kaggle CSV in each folder):
    /opt/ml/processing/input/train/*.csv
    /opt/ml/processing/input/validation/*.csv
Outputs (label first, no header, one file per folder):
    /opt/ml/processing/output/train/train.csv
    /opt/ml/processing/output/validation/validation.csv

Parsing, checks, the learned statistics and the features run as Spark jobs; only the final
rows stream through the driver (``toLocalIterator``, one partition at a time) into the one
output file, which the driver's instance uploads. Paths are under $SMPIPE_CONTAINER_ROOT
when it is set.
"""

from __future__ import annotations

import os
from typing import Dict, List

import titanic_schema as schema
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from step_common import StepError, container_path, log, run_main, single_csv

SCRIPT = "preprocess_spark.py"
ROW = "_row"  # the line number order of the input file


def read_raw(spark: SparkSession, path: str) -> DataFrame:
    """Read one raw Kaggle CSV (all columns as text), check it, numbers as doubles."""
    frame = (
        spark.read.option("header", True)
        .option("escape", '"')
        .option("mode", "FAILFAST")
        .csv("file://" + os.path.abspath(path))
    )
    missing = [column for column in schema.REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise StepError("{}: missing required column(s): {}".format(path, ", ".join(missing)))
    frame = frame.withColumn(ROW, F.monotonically_increasing_id())
    for column in schema.NUMERIC_COLUMNS:
        frame = frame.withColumn(column + "_num", F.col(column).cast("double"))
    checks = [(column, F.col(column).isNull(), "missing value") for column in schema.NOT_MISSING]
    checks += [
        (c, F.col(c).isNotNull() & F.col(c + "_num").isNull(), "non-numeric value")
        for c in schema.NUMERIC_COLUMNS
    ]
    sex = F.lower(F.trim(F.col("Sex")))
    invalid = [
        (
            schema.LABEL,
            ~F.col(schema.LABEL + "_num").isin(*[float(v) for v in schema.LABEL_VALUES]),
        ),
        ("Pclass", ~F.col("Pclass_num").isin(*[float(v) for v in schema.CLASSES])),
        ("Sex", ~sex.isin(*schema.SEXES)),
    ] + [(column, F.col(column + "_num") < 0) for column in schema.NON_NEGATIVE]
    checks += [(column, bad, schema.RULES[column] + ", found") for column, bad in invalid]
    # One pass: the first offending row of each check.
    firsts = frame.select(
        *[F.min(F.when(bad, F.col(ROW))).alias(str(i)) for i, (_, bad, _) in enumerate(checks)],
        F.count(F.lit(1)).alias("rows"),
    ).first()
    assert firsts is not None
    if firsts["rows"] == 0:
        raise StepError("{}: no data rows after the header".format(path))
    ids = (
        [row[0] for row in frame.select(ROW).orderBy(ROW).collect()]
        if any(firsts[str(i)] is not None for i in range(len(checks)))
        else []
    )
    for index, (column, _, rule) in enumerate(checks):
        where = firsts[str(index)]
        if where is not None:
            value = frame.where(F.col(ROW) == where).select(column).first()
            shown = "" if "found" not in rule else " {!r}".format(value[0] if value else None)
            line = ids.index(where) + 2  # the header is line 1
            raise StepError(
                "{}: column {}: {}{} on line {}".format(path, column, rule, shown, line)
            )
    for column in schema.NUMERIC_COLUMNS:
        frame = frame.withColumn(column, F.col(column + "_num")).drop(column + "_num")
    return frame


def titles(frame: DataFrame) -> Column:
    found = F.trim(F.regexp_extract(F.coalesce(F.col("Name"), F.lit("")), schema.TITLE_PATTERN, 1))
    for synonym, title in schema.TITLE_SYNONYMS.items():
        found = F.when(found == synonym, F.lit(title)).otherwise(found)
    return F.when(found.isin(*schema.TITLES), found).otherwise(F.lit(schema.RARE_TITLE))


def learn(train: DataFrame) -> Dict[str, object]:
    """What the features need from the data: learned on train only (as preprocess.py)."""
    medians = train.select(F.median("Age").alias("age"), F.median("Fare").alias("fare")).first()
    assert medians is not None
    by_title = train.groupBy(titles(train).alias("t")).agg(F.median("Age").alias("m"))
    by_class = train.groupBy("Pclass").agg(F.median("Fare").alias("m"))
    ports = (
        train.where(F.col("Embarked").isin(*schema.PORTS))
        .groupBy("Embarked")
        .count()
        .orderBy(F.desc("count"), F.asc("Embarked"))
        .first()
    )
    return {
        "age_median": float(medians["age"]) if medians["age"] is not None else schema.AGE_FALLBACK,
        "age_by_title": {r["t"]: float(r["m"]) for r in by_title.collect() if r["m"] is not None},
        "fare_median": float(medians["fare"])
        if medians["fare"] is not None
        else schema.FARE_FALLBACK,
        "fare_by_class": {
            int(r["Pclass"]): float(r["m"]) for r in by_class.collect() if r["m"] is not None
        },
        "port_mode": ports["Embarked"] if ports is not None else schema.PORT_FALLBACK,
    }


def _lookup(mapping: Dict, key: Column) -> Column:  # type: ignore[type-arg]
    if not mapping:
        return F.lit(None).cast("double")
    pairs: List[Column] = []
    for k, v in sorted(mapping.items()):
        pairs += [F.lit(k), F.lit(float(v))]
    return F.create_map(*pairs)[key]


def features(frame: DataFrame, train: DataFrame, learned: Dict, is_train: bool) -> DataFrame:  # type: ignore[type-arg]
    title = titles(frame)
    age = F.coalesce(
        F.col("Age"), _lookup(learned["age_by_title"], title), F.lit(learned["age_median"])
    )
    family = (F.col("SibSp") + F.col("Parch") + 1).cast("int")
    fare = F.coalesce(
        F.col("Fare"),
        _lookup(learned["fare_by_class"], F.col("Pclass").cast("int")),
        F.lit(learned["fare_median"]),
    )
    port = F.trim(F.coalesce(F.col("Embarked"), F.lit(learned["port_mode"])))
    columns = {
        schema.LABEL: F.col(schema.LABEL).cast("int"),
        "Pclass": F.col("Pclass").cast("int"),
        "Sex": (F.lower(F.trim(F.col("Sex"))) == "male").cast("int"),
        "AgeBand": sum((age > edge).cast("int") for edge in schema.AGE_BAND_EDGES),
        "FamilySize": family,
        "IsAlone": (family == 1).cast("int"),
        "Fare": fare,
        "FarePerPerson": fare / family,
        "CabinKnown": F.col("Cabin").isNotNull().cast("int"),
    }
    for name in schema.PORTS:
        columns["Embarked_" + name] = (port == name).cast("int")
    for name in schema.TITLES:
        columns["Title_" + name] = (title == name).cast("int")
    ticket = F.coalesce(F.col("Ticket"), F.lit(""))
    table = frame.select(
        F.col(ROW), ticket.alias("_ticket"), *[c.alias(n) for n, c in columns.items()]
    )
    # Survival rate of the *other* training passengers on the same ticket; 0.5 if none.
    stats = train.groupBy(F.coalesce(F.col("Ticket"), F.lit("")).alias("_ticket")).agg(
        F.sum(schema.LABEL).alias("_survivors"), F.count(F.lit(1)).alias("_passengers")
    )
    table = table.join(stats, "_ticket", "left").fillna(0, ["_survivors", "_passengers"])
    survivors, passengers = F.col("_survivors").cast("double"), F.col("_passengers").cast("double")
    if is_train:
        survivors, passengers = survivors - F.col(schema.LABEL), passengers - 1
    rate = F.when(passengers > 0, survivors / F.greatest(passengers, F.lit(1.0))).otherwise(
        schema.NO_TICKET_COMPANIONS
    )
    return table.withColumn("TicketSurvival", rate).select(ROW, schema.LABEL, *schema.FEATURES)


def csv_line(row) -> str:  # type: ignore[no-untyped-def]
    """A row as preprocess.py's pandas writes it: integers as such, floats with %.6g
    (TicketSurvival rounded to 6 decimals first, as numpy does)."""
    import numpy as np

    cells = []
    for name in [schema.LABEL, *schema.FEATURES]:
        value = row[name]
        if name == "TicketSurvival":
            value = float(np.round(value, schema.TICKET_SURVIVAL_DECIMALS))
        cells.append(
            schema.FLOAT_FORMAT % value if name in schema.FLOAT_FEATURES else str(int(value))
        )
    return ",".join(cells)


def write(table: DataFrame, folder: str, name: str) -> int:
    """Stream the rows in input order through the driver into one file."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    count = 0
    lines = table.orderBy(ROW).rdd.map(csv_line)
    with open(path, "w") as out:
        for line in lines.toLocalIterator():
            out.write(line + "\n")
            count += 1
    return count


def main() -> None:
    schema.parse_arguments(SCRIPT, log)
    sources = {
        "train": single_csv(container_path("opt/ml/processing/input/train")),
        "validation": single_csv(container_path("opt/ml/processing/input/validation")),
    }
    spark = SparkSession.builder.appName("smpipe-preprocess").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    try:
        raw = {split: read_raw(spark, path).cache() for split, path in sources.items()}
        learned = learn(raw["train"])
        for line in schema.learned_summary(learned):
            log(SCRIPT, line)
        for split in ("train", "validation"):
            table = features(raw[split], raw["train"], learned, is_train=split == "train")
            folder = container_path("opt/ml/processing/output/" + split)
            rows = write(table, folder, split + ".csv")
            log(SCRIPT, "wrote {} rows (label first, no header) to {}".format(rows, folder))
    finally:
        spark.stop()


if __name__ == "__main__":
    run_main(SCRIPT, main)
