"""Run the mutation check in a copy of the project and write docs/mutation.md.

Textual mutations (mutations.py): each is applied to its file in a private copy of the project, its
tests run there with `-x` (stop at the first failure), and the file is restored before the next
one. A mutation is *killed* when pytest reports failed tests (exit 1), *survived* when everything
passed (exit 0); any other outcome (no tests collected, a usage error, a timeout) is an *error*
and fails the check like a survivor, because it proves nothing about the rule.

Python side: mutmut runs in the same copy over the rule functions configured in pyproject.toml
(`[tool.mutmut]`); its `mutants/` folder lives in the copy, never in the working tree.

The working tree is only read (and docs/mutation.md written when the full list ran). Tests run with
the copy first on PYTHONPATH, and a sanity import checks that `sales_pipeline` resolves to the copy
rather than to the editable install of the working tree.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sales_pipeline_tests.mutation.mutations import MUTATIONS, Mutation

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "docs" / "mutation.md"
TEXTUAL_MARKERS = ("<!-- textual-mutations:start -->", "<!-- textual-mutations:end -->")
MUTMUT_MARKERS = ("<!-- mutmut:start -->", "<!-- mutmut:end -->")
PYTEST_FLAGS = ("-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly")


class MutationSetupError(Exception):
    """The check cannot run as asked (a stale mutation, a failing baseline, a wrong copy)."""


@dataclass(frozen=True)
class Outcome:
    mutation: Mutation
    status: str  # killed | survived | error
    seconds: float
    detail: str = ""


# ----------------------------------------------------------------------------- the copy


def _git(*args: str, cwd: Path = ROOT) -> bytes:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True).stdout


def copy_project(destination: Path, rev: str | None) -> None:
    """The project as committed at `rev`, or else the working tree's tracked and unignored files.

    A commit is the default: the working tree may hold someone's half-done edit (or a temporary
    breakage of their own) that would make the baseline fail or, worse, a mutation pass.
    """
    destination.mkdir(parents=True)
    if rev is not None:
        archive = destination.parent / f"{destination.name}.tar"
        archive.write_bytes(_git("archive", "--format=tar", rev))
        with tarfile.open(archive) as tar:
            tar.extractall(destination, filter="data")
        archive.unlink()
        return
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in sorted({n for n in listed.decode().split("\0") if n}):
        source = ROOT / name
        if not source.is_file():  # deleted in the working tree, not yet committed
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def copy_environment(copy: Path) -> dict[str, str]:
    """The environment tests run in: the copy importable first, no bytecode left behind.

    No .pyc is written so that a mutated module of the same size and mtime second can never be
    served from a stale cache.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


def check_imports_from_copy(copy: Path) -> str:
    """Fail unless `sales_pipeline` (package and SQL folder) resolves inside the copy."""
    probe = (
        "import sales_pipeline, sales_pipeline.sql as s, sales_pipeline_tests as t;"
        "print(sales_pipeline.__file__); print(s.SQL_DIR); print(t.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=copy, env=copy_environment(copy),
        capture_output=True, text=True, check=True,
    )
    paths = result.stdout.split()
    if not all(Path(path).resolve().is_relative_to(copy.resolve()) for path in paths):
        raise MutationSetupError(f"the copy is not what gets imported: {paths}")
    return paths[0]


# ----------------------------------------------------------------------------- textual mutations


def validate(mutations: Sequence[Mutation], tree: Path) -> None:
    """Every `old` occurs exactly once in its file, every test path exists: the list cannot rot."""
    problems = []
    seen: set[str] = set()
    for mutation in mutations:
        if mutation.id in seen:
            problems.append(f"{mutation.id}: duplicate id")
        seen.add(mutation.id)
        path = tree / mutation.file
        if not path.is_file():
            problems.append(f"{mutation.id}: no file {mutation.file}")
            continue
        count = path.read_text().count(mutation.old)
        if count != 1:
            problems.append(f"{mutation.id}: `old` occurs {count} times in {mutation.file}")
        if mutation.old == mutation.new:
            problems.append(f"{mutation.id}: `new` equals `old`")
        for test in mutation.tests:
            if not (tree / test.split("::")[0]).exists():
                problems.append(f"{mutation.id}: no test path {test}")
    if problems:
        raise MutationSetupError("the mutation list does not match the code:\n  " + "\n  ".join(problems))


# Errors that mean the mutated code no longer parses or binds: the mutation itself is broken, and
# a test failing on it says nothing about the rule.
INVALID_MUTATION = re.compile(
    r"\b(ParserException|BinderException|CatalogException|TemplateSyntaxError|UndefinedError"
    r"|SyntaxError|IndentationError|ImportError)\b"
)


def run_pytest(
    copy: Path, tests: Iterable[str], timeout: float, keyword: str | None = None
) -> tuple[int | None, str]:
    """pytest's exit code (None on timeout) and its output."""
    command = [sys.executable, "-m", "pytest", *PYTEST_FLAGS, *tests]
    if keyword:
        command += ["-k", keyword]
    try:
        result = subprocess.run(
            command, cwd=copy, env=copy_environment(copy), capture_output=True, text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    return result.returncode, (result.stdout + result.stderr).strip()


def _summary_line(output: str) -> str:
    """pytest's last line (`1 failed, 3 passed in 40.1s`), or the last line there is."""
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1].strip("= ") if lines else ""


def run_one(copy: Path, mutation: Mutation, timeout: float) -> Outcome:
    path = copy / mutation.file
    original = path.read_text()
    if original.count(mutation.old) != 1:
        raise MutationSetupError(f"{mutation.id}: `old` is not unique in the copy of {mutation.file}")
    started = time.monotonic()
    path.write_text(original.replace(mutation.old, mutation.new))
    try:
        code, output = run_pytest(copy, mutation.tests, timeout, mutation.keyword)
    finally:
        path.write_text(original)
    seconds = time.monotonic() - started
    invalid = INVALID_MUTATION.search(output)
    if code == 1 and invalid:
        return Outcome(mutation, "error", seconds, f"invalid mutation: {invalid.group(1)}")
    if code == 1:
        return Outcome(mutation, "killed", seconds, _first_failure(output))
    if code == 0:
        return Outcome(mutation, "survived", seconds, _summary_line(output))
    return Outcome(mutation, "error", seconds, f"pytest exit {code}: {_summary_line(output)}")


def _first_failure(output: str) -> str:
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" - ")[0]
    return _summary_line(output)


def run_textual(
    copies: Sequence[Path], mutations: Sequence[Mutation], timeout: float
) -> list[Outcome]:
    """Each mutation in turn, spread over one worker per copy; printed as they finish."""
    todo: queue.Queue[Mutation] = queue.Queue()
    for mutation in mutations:
        todo.put(mutation)
    outcomes: dict[str, Outcome] = {}
    lock = threading.Lock()
    failures: list[BaseException] = []

    def worker(copy: Path) -> None:
        while not failures:
            try:
                mutation = todo.get_nowait()
            except queue.Empty:
                return
            try:
                outcome = run_one(copy, mutation, timeout)
            except BaseException as error:  # surfaced after the pool drains
                failures.append(error)
                return
            with lock:
                outcomes[mutation.id] = outcome
                done = len(outcomes)
                print(
                    f"[{done:>3}/{len(mutations)}] {outcome.status:<8} {outcome.seconds:6.0f} s  "
                    f"{mutation.id}  {outcome.detail}",
                    flush=True,
                )

    threads = [threading.Thread(target=worker, args=(copy,)) for copy in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return [outcomes[m.id] for m in mutations]


def baseline(copies: Sequence[Path], mutations: Sequence[Mutation], timeout: float) -> None:
    """Every test path any selected mutation runs, unmutated, spread over the copies; all must pass.

    Whole paths, without the mutations' `-k`: a superset of what any mutation runs.
    """
    tests = sorted({t for m in mutations for t in m.tests})
    shares = [tests[i::len(copies)] for i in range(len(copies))]
    print(f"baseline: {len(tests)} test path(s) unmutated ...", flush=True)
    started = time.monotonic()
    results: list[tuple[int | None, str]] = []

    def run(copy: Path, share: list[str]) -> None:
        results.append(run_pytest(copy, share, timeout))

    threads = [threading.Thread(target=run, args=pair) for pair in zip(copies, shares, strict=True)
               if pair[1]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for code, output in results:
        if code != 0:
            tail = "\n".join(output.splitlines()[-30:])
            raise MutationSetupError(
                "the unmutated tests do not pass, so a kill would mean nothing:\n" + tail
            )
    print(f"baseline passed in {time.monotonic() - started:.0f} s", flush=True)


def textual_table(outcomes: Sequence[Outcome], commit_of: Mapping[str, str] | None = None) -> str:
    """One row per mutation; with `commit_of`, a column naming the commit each result is of."""
    commit_header, commit_rule = (" commit |", " --- |") if commit_of is not None else ("", "")
    rows = [
        f"| id | rule broken | file | tests | result | seconds |{commit_header}",
        f"| --- | --- | --- | --- | --- | --- |{commit_rule}",
    ]
    for o in outcomes:
        m = o.mutation
        tests = ", ".join(f"`{t.removeprefix('sales_pipeline_tests/')}`" for t in m.tests)
        if m.keyword:
            tests += f" `-k {_cell(m.keyword)}`"
        commit = f" {commit_of.get(m.id, '')} |" if commit_of is not None else ""
        rows.append(
            f"| `{m.id}` | {_cell(m.rule)} | `{m.file.removeprefix('sales_pipeline/')}` | {tests} "
            f"| {o.status} | {o.seconds:.0f} |{commit}"
        )
    return "\n".join(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# ----------------------------------------------------------------------------- mutmut


@dataclass(frozen=True)
class MutmutResult:
    counts: dict[str, int]
    survivors: dict[str, str]  # mutant name -> its diff
    seconds: float


def run_mutmut(copy: Path, jobs: int) -> MutmutResult:
    """`mutmut run` in the copy, then every mutant's status and the diff of each survivor."""
    # The console script, not `python -m mutmut`: run as __main__, mutmut's module state exists
    # twice and the stats it collects are lost.
    mutmut = [str(Path(sys.executable).parent / "mutmut")]
    env = copy_environment(copy)
    # mutmut puts its mutants/ folder first on sys.path (and takes the copy root off it); the same
    # on PYTHONPATH makes subprocesses of the tests import the mutants too. The folder must exist
    # before Python starts: an entry that is missing at the first import is cached as "nothing
    # here", and `sales_pipeline_tests` would then come from the working tree's editable install.
    (copy / "mutants").mkdir(exist_ok=True)
    env["PYTHONPATH"] = str(copy / "mutants")
    started = time.monotonic()
    run = subprocess.run([*mutmut, "run", "--max-children", str(jobs)], cwd=copy, env=env)
    seconds = time.monotonic() - started
    if run.returncode != 0:
        raise MutationSetupError(f"mutmut run failed (exit {run.returncode}); see its output above")
    listing = subprocess.run(
        [*mutmut, "results", "--all", "true"], cwd=copy, env=env, capture_output=True, text=True,
        check=True,
    ).stdout
    counts: dict[str, int] = {}
    survivors: dict[str, str] = {}
    for name, status in re.findall(r"^\s+(\S+): (.+)$", listing, flags=re.M):
        counts[status] = counts.get(status, 0) + 1
        # A timeout is a kill (the mutant hangs a test); anything else is reported.
        if status not in ("killed", "timeout"):
            diff = subprocess.run(
                [*mutmut, "show", name], cwd=copy, env=env, capture_output=True, text=True
            ).stdout
            survivors[name] = f"{status}\n{diff}"
    return MutmutResult(counts, survivors, seconds)


def mutmut_section(result: MutmutResult) -> str:
    total = sum(result.counts.values())
    parts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts.items()))
    lines = [f"{total} mutants: {parts}. mutmut took {result.seconds:.0f} s."]
    if result.survivors:
        lines += [
            "",
            "Not killed (each is answered in the section below):",
            "",
            "| mutant | status | change |",
            "| --- | --- | --- |",
        ]
        for name, text in sorted(result.survivors.items(), key=lambda item: _mutant_order(item[0])):
            status, _, diff = text.partition("\n")
            lines.append(f"| `{name.removeprefix('sales_pipeline.')}` | {status} | {_change(diff)} |")
    return "\n".join(lines)


def _mutant_order(name: str) -> tuple[str, int]:
    function, _, number = name.rpartition("__mutmut_")
    return function, int(number) if number.isdigit() else 0


def _change(diff: str) -> str:
    """A mutant's diff on one table line: `old` → `new`."""
    removed = [line[1:].strip() for line in diff.splitlines()
               if line.startswith("-") and not line.startswith("---")]
    added = [line[1:].strip() for line in diff.splitlines()
             if line.startswith("+") and not line.startswith("+++")]
    return f"`{_cell(' '.join(removed))}` → `{_cell(' '.join(added))}`"


# ----------------------------------------------------------------------------- report


def write_between(path: Path, markers: tuple[str, str], body: str) -> None:
    text = path.read_text()
    start, end = markers
    if start not in text or end not in text:
        raise MutationSetupError(f"{path} lacks the markers {start} ... {end}")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{body}\n{end}{tail}")


def _machine() -> str:
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} core(s), load average {load:.1f} at the end"


# ----------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sales_pipeline_tests.mutation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", action="store_true", help="list the textual mutations and exit")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="run only this textual mutation (repeatable; prefix* matches a group)")
    parser.add_argument("-j", "--jobs", type=int, default=1,
                        help="parallel copies for textual mutations, children for mutmut (default 1)")
    parser.add_argument("--rev", default="HEAD", help="the commit to test (default HEAD)")
    parser.add_argument("--worktree", action="store_true",
                        help="test the working tree's files as they are, uncommitted edits included")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per mutation")
    parser.add_argument("--no-textual", action="store_true", help="skip the textual mutations")
    parser.add_argument("--no-mutmut", action="store_true", help="skip mutmut")
    parser.add_argument("--no-report", action="store_true", help="do not write docs/mutation.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies")
    parser.add_argument("--from-log", metavar="LOG", action="append", default=[],
                        help="write the textual table from the printed lines of earlier runs "
                             "(repeatable, oldest first: a later log's result for a mutation "
                             "replaces an earlier one; mutations no log reached are 'not run')")
    parser.add_argument("--reuse", metavar="DIR",
                        help="reuse the copies a --keep run left in DIR (mutmut resumes there)")
    return parser.parse_args(argv)


def select(only: Sequence[str]) -> list[Mutation]:
    if not only:
        return list(MUTATIONS)
    chosen = [m for m in MUTATIONS if any(
        m.id == pattern or (pattern.endswith("*") and m.id.startswith(pattern[:-1]))
        for pattern in only
    )]
    if not chosen:
        raise MutationSetupError(f"no mutation matches {', '.join(only)} (see --list)")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for m in MUTATIONS:
            print(f"{m.id:<34} {m.file.removeprefix('sales_pipeline/'):<34} {m.rule}")
        print(f"{len(MUTATIONS)} mutations")
        return 0
    try:
        if args.from_log:
            return report_from_log([Path(log) for log in args.from_log])
        return _run(args)
    except MutationSetupError as error:
        print(f"mutation check cannot run: {error}", file=sys.stderr)
        return 2


PROGRESS_LINE = re.compile(r"^\[\s*\d+/(\d+)\] (killed|survived|error)\s+(\d+) s  (\S+)  ?(.*)$")


def report_from_log(logs: Sequence[Path]) -> int:
    """The textual section from the printed progress lines of runs stopped before the end or of
    partial reruns (`--only`), oldest first: each mutation's latest result, with its commit."""
    by_id = {m.id: m for m in MUTATIONS}
    done: dict[str, Outcome] = {}
    commit_of: dict[str, str] = {}
    sources = []
    for log in logs:
        text = log.read_text()
        header = re.search(r"^copies of (?:commit )?(.+?) in ", text, flags=re.M)
        source = header.group(1) if header else "an unknown commit"
        sources.append(source)
        for line in text.splitlines():
            match = PROGRESS_LINE.match(line)
            if match and match.group(4) in by_id:
                done[match.group(4)] = Outcome(
                    by_id[match.group(4)], match.group(2), float(match.group(3)), match.group(5)
                )
                commit_of[match.group(4)] = source
    outcomes = [done.get(m.id, Outcome(m, "not run", 0.0)) for m in MUTATIONS]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("killed", "survived", "error")}
    summary = (
        f"{len(done)} of {len(MUTATIONS)} mutations run: {counts['killed']} killed, "
        f"{counts['survived']} survived, {counts['error']} error(s); "
        f"{len(outcomes) - len(done)} not run."
    )
    stamp = max(log.stat().st_mtime for log in logs)
    written = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
    write_between(REPORT, TEXTUAL_MARKERS, (
        f"Written with `--from-log` on {written} from {len(logs)} run(s), against commit(s) "
        f"{', '.join(dict.fromkeys(sources))}; the `commit` column says which run's result each "
        f"row is (the latest).\n\n{summary}\n\n{textual_table(outcomes, commit_of)}"
    ))
    print(summary)
    return 1 if counts["survived"] or counts["error"] or len(done) < len(MUTATIONS) else 0


def _run(args: argparse.Namespace) -> int:
    mutations = [] if args.no_textual else select(args.only)
    full_list = not args.only and not args.no_textual
    jobs = max(1, min(args.jobs, len(mutations) or 1))
    workdir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="sales-mutation-"))
    keep = args.keep or bool(args.reuse)
    failed = False
    try:
        copies = [workdir / f"copy{i}" for i in range(jobs)]
        if args.reuse:
            # A folder kept by an earlier run: its copies as they are (mutmut resumes there).
            source = (workdir / "SOURCE").read_text().strip()
            if not all(copy.is_dir() for copy in copies):
                raise MutationSetupError(f"{workdir} has fewer than {jobs} copies")
        else:
            rev = None if args.worktree else args.rev
            for copy in copies:
                copy_project(copy, rev)
            revision = _git("rev-parse", "--short", rev or "HEAD").decode().strip()
            source = f"commit {revision}" if rev else f"the working tree (HEAD {revision})"
            (workdir / "SOURCE").write_text(source + "\n")
        validate(mutations, copies[0])
        imported = check_imports_from_copy(copies[0])
        print(f"copies of {source} in {workdir}; sales_pipeline imports from {imported}", flush=True)

        if mutations:
            baseline(copies, mutations, args.timeout * 2)
            started_all = time.monotonic()
            outcomes = run_textual(copies, mutations, args.timeout)
            elapsed = time.monotonic() - started_all
            print()
            print(textual_table(outcomes))
            bad = [o for o in outcomes if o.status != "killed"]
            counts = {s: sum(o.status == s for o in outcomes) for s in ("killed", "survived", "error")}
            summary = (
                f"{len(outcomes)} mutations: {counts['killed']} killed, {counts['survived']} "
                f"survived, {counts['error']} error(s), in {elapsed:.0f} s with {jobs} worker(s)."
            )
            print(summary)
            for o in bad:
                print(f"NOT KILLED {o.mutation.id}: {o.status}: {o.detail}")
            failed |= bool(bad)
            if full_list and not args.no_report:
                stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
                write_between(REPORT, TEXTUAL_MARKERS, (
                    f"Generated by `make mutation` on {stamp} against {source}, {_machine()}.\n\n"
                    f"{summary}\n\n{textual_table(outcomes)}"
                ))

        if not args.no_mutmut:
            result = run_mutmut(copies[0], args.jobs)
            section = mutmut_section(result)
            print(section)
            failed |= bool(result.survivors)
            if not args.no_report:
                stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
                write_between(REPORT, MUTMUT_MARKERS, (
                    f"Generated by `make mutation` on {stamp} against {source}, {_machine()}.\n\n"
                    + section
                ))
    finally:
        if keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0
