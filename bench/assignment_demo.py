"""The whole assignment path on the demo call: load from the database, solve, save.

Usage: ``.venv/bin/python bench/assignment_demo.py [--repeat 5] [--database-url URL]``.
Not a timed test. It builds the demo (59 applications, 18 reviewers) in a fresh
database (a temporary SQLite file unless ``--database-url`` names another, which is
then migrated and filled: use a throw-away database), then times, best of
``--repeat``:

- ``assignment_build``: the reads from the database plus the solve;
- the solve alone, from the ``AssignmentResult`` (``solve_assignment``'s own clock) and
  again by calling ``solve_assignment`` on the same problem: the baseline every other
  part is compared with, in the same run;
- ``assignment_save``: writing the 177 pairs.

Each run starts from no assignment at all (the demo's are deleted inside a transaction
rolled back after the run), as when the manager first assigns the call.

It prints each part, its share of the whole path and its ratio to the solve, names the
part that dominates, and ends with one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


class _Rollback(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="laureat-bench-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("MEDIA_ROOT", f"{workdir}/media")
    os.environ["LAUREAT_VAR_DIR"] = workdir
    os.environ["EMAIL_BACKEND"] = "locmem"  # the demo sends receipts: keep them off stdout
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laureat.settings.base")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection, transaction

    from laureat.demo import facts
    from laureat.demo.builder import build_demo
    from laureat.programmes.models import Call
    from laureat.review.assignment import solve_assignment
    from laureat.review.domain import assignment_build, assignment_save
    from laureat.review.models import Assignment

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_demo()
    setup_seconds = time.perf_counter() - started
    call = Call.objects.get(slug=facts.TI40_SLUG)

    build_times: list[float] = []
    solve_times: list[float] = []
    resolve_times: list[float] = []
    save_times: list[float] = []
    pairs = 0
    for _ in range(args.repeat):
        try:
            with transaction.atomic():
                # From scratch: no assignment (nor review) yet, so that nothing is fixed
                # and the save writes every pair; rolled back after each run.
                Assignment.objects.filter(reviewer__call=call).delete()
                t0 = time.perf_counter()
                run = assignment_build(call=call)
                build_times.append(time.perf_counter() - t0)
                solve_times.append(float(run.result.seconds))
                t0 = time.perf_counter()
                solve_assignment(run.problem)
                resolve_times.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                assignment_save(run=run, by=None)
                save_times.append(time.perf_counter() - t0)
                pairs = Assignment.objects.filter(reviewer__call=call).count()
                raise _Rollback
        except _Rollback:
            pass

    build, solve, resolve, save = (
        min(build_times),
        min(solve_times),
        min(resolve_times),
        min(save_times),
    )
    load = max(build - solve, 0.0)
    total = load + solve + save
    baseline = max(resolve, 1e-9)
    parts = {"load": load, "solve": solve, "save": save}
    dominant = max(parts, key=lambda name: parts[name])
    print(
        f"demo call {call.slug} on {connection.vendor}: "
        f"{run.problem.n_applications} applications x {run.problem.n_reviewers} reviewers, "
        f"k = {run.k}, {pairs} pairs saved; setup (migrate + demo) {setup_seconds:.1f} s; "
        f"best of {args.repeat}"
    )
    print(f"{'part':<28}{'seconds':>10}{'share':>9}{'x solve':>10}")
    rows = [
        ("load (database -> arrays)", load),
        ("solve (optimiser)", solve),
        ("save (arrays -> database)", save),
        ("whole path", total),
        ("baseline: solve_assignment", resolve),
    ]
    for label, seconds in rows:
        print(f"{label:<28}{seconds:>10.4f}{seconds / total:>9.1%}{seconds / baseline:>10.2f}")
    print(f"dominant part: {dominant}")
    print(
        json.dumps(
            {
                "instance": "demo",
                "database": connection.vendor,
                "applications": run.problem.n_applications,
                "reviewers": run.problem.n_reviewers,
                "pairs": pairs,
                "load_seconds": round(load, 4),
                "solve_seconds": round(solve, 4),
                "save_seconds": round(save, 4),
                "seconds": round(total, 4),
                "ratio_to_solve": round(total / baseline, 2),
                "dominant": dominant,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
