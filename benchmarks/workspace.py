"""Where the benchmark works: the pipeline code under test, the scales and their landing samples.

Everything generated lives in benchmarks/work/ (git-ignored).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
WORK = BENCH / "work"
BIN = Path(sys.executable).parent

DEFAULT_END = date(2026, 3, 4)  # a Wednesday in early March: the incremental day is a full working day
DEFAULT_DAYS = 731
DEFAULT_SEED = 7
DEFAULT_TIMEZONE = "Europe/Berlin"
DAILY_PATTERNS = ("telephony/calls_{day}.csv", "crm/Event_{day}.csv", "erp/sales_documents_{day}.csv")

# The internal subcommands of benchmarks.run (_floor, _incremental, _profile), run in a fresh
# process whose working directory and PYTHONPATH put the code under test first. That may be a
# `git archive` snapshot holding a `benchmarks` folder of its own, so the `benchmarks` package is
# pinned to this checkout's folder: the harness is this one, the pipeline the snapshot's.
HELPER = [
    sys.executable, "-c",
    "import sys, types; package = types.ModuleType('benchmarks'); "
    f"package.__path__ = [{str(ROOT / 'benchmarks')!r}]; sys.modules['benchmarks'] = package; "
    "from benchmarks.run import main; sys.exit(main(sys.argv[1:]))",
]


# ----------------------------------------------------------------------------------- scales


@dataclass(frozen=True)
class Scale:
    reps: int
    days: int
    end: date
    seed: int = DEFAULT_SEED

    @property
    def name(self) -> str:
        return f"r{self.reps}_d{self.days}"

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    @property
    def dir(self) -> Path:
        return WORK / self.name

    @property
    def landing(self) -> Path:
        return self.dir / "landing"

    @property
    def label(self) -> str:
        return f"{self.reps} reps x {self.days} days"


def parse_scales(text: str, days: int, end: date) -> list[Scale]:
    """'50,200,1000x183' -> scales; a bare number of reps takes --days."""
    scales = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        reps, _, item_days = item.partition("x")
        scales.append(Scale(int(reps), int(item_days or days), end))
    return scales


def short_history(scale: Scale, factor: int) -> Scale:
    """The same reps and end day with 1/factor of the history (the history-growth pair)."""
    return Scale(scale.reps, -(-scale.days // factor), scale.end, scale.seed)


# ------------------------------------------------------------------------------ environment


def git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""

def generator_hash() -> str:
    """A content hash of the sample generator's modules: the same hash and arguments, the same files."""
    digest = hashlib.sha256()
    for path in sorted((CODE["dir"] / "sales_pipeline" / "sample").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# The pipeline code under test. Others commit to this repository while a benchmark runs for hours,
# so by default every pipeline process runs a snapshot of one commit (`git archive`), put first on
# PYTHONPATH; `--code worktree` runs the working tree as it is at each moment instead.
CODE: dict[str, Any] = {"dir": ROOT, "commit": "", "snapshot": False}


def use_code(revision: str) -> None:
    if revision == "worktree":
        CODE.update(dir=ROOT, commit=git("rev-parse", "--short", "HEAD"), snapshot=False)
        return
    commit = git("rev-parse", "--short", revision)
    target = WORK / f"code-{commit}"
    if not (target / "sales_pipeline").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    CODE.update(dir=target, commit=commit, snapshot=True)


def code_env(env: dict[str, str]) -> dict[str, str]:
    """`env` with the code under test first on the import path."""
    if CODE["snapshot"]:
        env = {**env, "PYTHONPATH": os.pathsep.join(
            filter(None, (str(CODE["dir"]), env.get("PYTHONPATH"))))}
    return env


# ------------------------------------------------------------------------ landing samples


def ensure_sample(scale: Scale, regenerate: bool = False) -> dict[str, Any]:
    """Generate the scale's landing files unless the same arguments already made them."""
    marker = scale.dir / "sample.json"
    wanted = {"reps": scale.reps, "days": scale.days, "start": scale.start.isoformat(),
              "seed": scale.seed}
    if marker.exists() and not regenerate:
        recorded = json.loads(marker.read_text())
        if {k: recorded.get(k) for k in wanted} == wanted:
            return recorded
    if scale.dir.exists():
        shutil.rmtree(scale.dir)
    scale.dir.mkdir(parents=True)
    print(f"[{scale.name}] generating {scale.label} ...", flush=True)
    began = time.monotonic()
    output = subprocess.run(
        [str(BIN / "sales-pipeline"), "sample", "--reps", str(scale.reps), "--days",
         str(scale.days), "--start", scale.start.isoformat(), "--seed", str(scale.seed),
         "--out", str(scale.landing)],
        cwd=CODE["dir"], env=code_env(dict(os.environ)), capture_output=True, text=True,
        check=True,
    ).stdout.strip()
    recorded = {
        **wanted,
        "end": scale.end.isoformat(),
        "generator": generator_hash(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - began, 1),
        "summary": output,
        "bytes": sum(p.stat().st_size for p in scale.landing.rglob("*") if p.is_file()),
    }
    marker.write_text(json.dumps(recorded, indent=2))
    return recorded


def last_day_files(scale: Scale) -> list[Path]:
    day = scale.end.isoformat()
    return [scale.landing / pattern.format(day=day) for pattern in DAILY_PATTERNS]


def link_tree(source: Path, target: Path, exclude: Iterable[Path] = ()) -> None:
    """Hard-link every file of `source` under `target` (same bytes and mtime, no copy)."""
    excluded = {p.resolve() for p in exclude}
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.resolve() not in excluded:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)
