"""The mutation score of the last `scripts/mutation` run, read from mutants/.

Prints killed / total overall and per module, then every surviving mutant with
the line it changed. A survivor is explained when its name appears in
scripts/mutation-equivalent.md. Exits 1 when under 90 % of the mutants are
killed or a survivor is not explained there, so the habit has a verdict.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

TARGET = 0.90
EXPLANATIONS = Path("scripts/mutation-equivalent.md")
# A mutant that makes the tests hang past mutmut's time limit, or kills their process
# ("segfault": a signal), was noticed: it counts as killed.
DETECTED = {"killed", "timeout", "segfault", "caught by type check"}
MUTANT_NAME = re.compile(r"[\wǁ.]+__mutmut_\d+")


def statuses() -> dict[Path, dict[str, str]]:
    """For each mutated source file, its mutants' statuses by mutant name."""
    found: dict[Path, dict[str, str]] = {}
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        source = meta.relative_to("mutants").with_suffix("")
        data = SourceFileMutationData(path=source)
        data.load()
        if data.exit_code_by_key:
            found[source] = {k: status_by_exit_code[v] for k, v in data.exit_code_by_key.items()}
    return found


def changed_lines(name: str, source: Path) -> str:
    """The mutant's change as `- old` / `+ new` lines."""
    diff = get_diff_for_mutant(name, path=source).splitlines()
    lines = [line for line in diff if line[:1] in "-+" and line[:3] not in ("---", "+++")]
    return "\n".join(f"      {line.rstrip()}" for line in lines)


def main() -> int:
    by_file = statuses()
    if not by_file:
        print("no mutation results in mutants/: run scripts/mutation")
        return 1
    explained = set(MUTANT_NAME.findall(EXPLANATIONS.read_text(encoding="utf-8")))
    totals: Counter[str] = Counter()
    print(f"{'module':<42} {'killed':>7} {'total':>6} {'score':>7}  other")
    for source, by_name in by_file.items():
        counts = Counter(by_name.values())
        totals.update(counts)
        killed = sum(counts[s] for s in DETECTED)
        other = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s != "killed")
        share = killed / len(by_name)
        print(f"{source!s:<42} {killed:>7} {len(by_name):>6} {share:>7.1%}  {other}")
    total = sum(totals.values())
    killed = sum(totals[s] for s in DETECTED)
    print(f"{'total':<42} {killed:>7} {total:>6} {killed / total:>7.1%}")
    survivors = [
        (source, name)
        for source, by_name in by_file.items()
        for name, status in by_name.items()
        if status not in DETECTED
    ]
    unexplained = [(s, n) for s, n in survivors if n not in explained]
    print(f"\n{len(survivors)} not killed, {len(unexplained)} not explained in {EXPLANATIONS}:")
    for source, name in survivors:
        mark = "explained" if name in explained else "NOT EXPLAINED"
        print(f"  {name} ({by_file[source][name]}, {mark})\n{changed_lines(name, source)}")
    problems = []
    if killed / total < TARGET:
        problems.append(f"score {killed / total:.1%} is under {TARGET:.0%}")
    if unexplained:
        problems.append(f"{len(unexplained)} survivors are neither killed nor explained")
    for problem in problems:
        print(f"\nmutation: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
