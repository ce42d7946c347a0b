"""Where Spark starts to pay: the Titanic preprocessing on pandas (``preprocess.py``) and on
Spark in local mode (``preprocess_spark.py`` through ``spark-submit --master local[N]``,
as the local engine runs a Spark step), on synthetic Titanic-shaped data of growing size.

    python bench/spark_preprocess.py                          # 10k, 100k, 1M, 5M rows
    python bench/spark_preprocess.py --rows 20000 200000      # other sizes
    python bench/spark_preprocess.py --rows 2000000 --only spark

The data is made on the fly into a temporary folder (never committed): ``--rows`` training
passengers plus a quarter as many for validation, with the raw Kaggle columns, missing ages,
fares, cabins and ports, titles in the names and shared tickets, from a fixed seed. Each
run is a fresh process; the figures are its wall time, its CPU time (user + system, of the
whole tree: steadier than wall time on a shared machine), rows per second (training plus
validation rows over the wall time) and the peak resident memory of its whole process tree
(the driver, the JVM and Spark's Python workers together), sampled from /proc every 0.1 s.
Spark's figures include starting the JVM (a fixed cost of several seconds). The machine is
shared: compare sizes within one invocation.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = ROOT / "pipeline" / "code"
HEADER = "PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked\n"
TITLES = ["Mr", "Mrs", "Miss", "Master", "Dr", "Rev", "Mlle", "Ms", "Col"]
TITLE_WEIGHTS = [50, 15, 18, 5, 2, 2, 1, 1, 1]


def write_passengers(path: Path, rows: int, seed: int) -> None:
    """A raw Kaggle-shaped CSV; about 1 passenger in 3 shares a ticket with others."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        chunk = []
        for passenger in range(1, rows + 1):
            pclass = rng.choices((1, 2, 3), (24, 21, 55))[0]
            title = rng.choices(TITLES, TITLE_WEIGHTS)[0]
            sex = "female" if title in ("Mrs", "Miss", "Mlle", "Ms") else "male"
            survived = 1 if rng.random() < (0.74 if sex == "female" else 0.19) else 0
            age = "" if rng.random() < 0.2 else f"{rng.uniform(0.5, 80):.1f}"
            sibsp, parch = rng.choices(range(5), (68, 23, 4, 3, 2))[0], rng.choice((0, 0, 0, 1, 2))
            ticket = (
                f"T{rng.randrange(max(1, rows // 3))}" if rng.random() < 0.35 else str(passenger)
            )
            fare = "" if rng.random() < 0.002 else f"{rng.uniform(4, 60) * (4 - pclass):.4f}"
            cabin = f"C{rng.randrange(200)}" if rng.random() < 0.23 else ""
            port = "" if rng.random() < 0.003 else rng.choices("SCQ", (72, 19, 9))[0]
            name = f'"Surname{passenger % 9973}, {title}. Given {passenger}"'
            chunk.append(
                f"{passenger},{survived},{pclass},{name},{sex},{age},{sibsp},{parch},"
                f"{ticket},{fare},{cabin},{port}\n"
            )
            if len(chunk) == 10000:
                out.writelines(chunk)
                chunk = []
        out.writelines(chunk)


def sandbox(base: Path, train: Path, validation: Path) -> Path:
    for split, source in (("train", train), ("validation", validation)):
        folder = base / "opt/ml/processing/input" / split
        folder.mkdir(parents=True)
        os.link(source, folder / f"{split}.csv")
    return base


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry)] = int(line.split()[1])
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        total += rss.get(current, 0)
        pending.extend(children.get(current, []))
    return total


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MiB of the process tree); raises if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kib(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{errors.decode()[-2000:]}")
    return elapsed, cpu, peak / 1024


def spark_command(app: Path) -> list[str]:
    import pyspark

    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    return [
        str(submit), "--master", f"local[{os.cpu_count() or 1}]",
        "--conf", "spark.driver.memory=4g", "--conf", "spark.sql.shuffle.partitions=8",
        "--py-files", f"{CODE / 'step_common.py'},{CODE / 'titanic_schema.py'}", str(app),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 5_000_000]
    )
    parser.add_argument("--only", choices=("pandas", "spark"), default=None)
    args = parser.parse_args()
    engines = [args.only] if args.only else ["pandas", "spark"]
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    print(f"{'rows':>10}  {'engine':<7} {'seconds':>8} {'cpu s':>8} {'rows/s':>10} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory(prefix="smpipe-spark-bench-") as tmp:
        for rows in args.rows:
            data = Path(tmp) / f"data-{rows}"
            data.mkdir()
            train, validation = data / "train.csv", data / "validation.csv"
            write_passengers(train, rows, seed=rows)
            write_passengers(validation, max(1, rows // 4), seed=rows + 1)
            total = rows + max(1, rows // 4)
            for engine in engines:
                root = sandbox(Path(tmp) / f"{engine}-{rows}", train, validation)
                run_env = {**env, "SMPIPE_CONTAINER_ROOT": str(root)}
                if engine == "pandas":
                    command = [sys.executable, str(CODE / "preprocess.py")]
                else:
                    command = spark_command(CODE / "preprocess_spark.py")
                seconds, cpu, peak = measure(command, CODE, run_env)
                line = f"{rows:>10,}  {engine:<7} {seconds:>8.1f} {cpu:>8.1f} "
                print(f"{line}{total / seconds:>10,.0f} {peak:>9,.0f}", flush=True)
                shutil.rmtree(root)
            shutil.rmtree(data)


if __name__ == "__main__":
    main()
