"""XEN903: the ``# noqa`` directives of one program that suppressed nothing in this run.

A directive is judged only where the run could have used it (as ruff's RUF100, keeping to
xentlint's own codes):

* only codes that start with ``XEN``: other tools' codes (``E501``) and a bare ``# noqa``
  (which may be there for flake8 or ruff) are never judged;
* a code (or prefix, ``XEN1``) is *unknown* when no rule of the catalog has it, *unused*
  when it covers only rules enabled for this file (selection and per-file ignores) and no
  finding of those rules was reported on its line, *duplicated* when the same directive
  already lists it; a code that covers a disabled rule, or XEN903 itself, is not judged;
* only directives in comments (a ``# noqa`` inside a string is text), and only in a
  program that was analysed to its end: a syntax error, a notebook cell left out, a file
  too complex to analyse or an analysis that failed leave every directive unjudged.

Notebooks are judged per cell line: a program line is the line of its cell. The fix
(:func:`fix_text`) takes the unused codes out of the list, or the directive out of the
line when it names nothing else; it is safe (only comments change).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xentlint.catalog import RULES
from xentlint.checks import xen903
from xentlint.config import Config
from xentlint.diagnostics import RawFinding
from xentlint.noqa import Directive, comment_columns, directives, split_lines, without_codes
from xentlint.program import Program
from xentlint.selection import matches

CODE = xen903.CODE
#: Findings that say the program was not (wholly) analysed: its directives are not judged.
_NOT_ANALYSED = frozenset({"XEN901", "XEN902"})
_OWN_PREFIX = "XEN"


@dataclass(frozen=True)
class Unused:
    """A directive with codes to take out: where it is and why each code goes."""

    line: int  # program line
    directive: Directive
    drop: tuple[int, ...]  # indexes into directive.codes
    unused: tuple[str, ...]
    unknown: tuple[str, ...]
    duplicated: tuple[str, ...]

    def finding(self) -> RawFinding:
        kept = len(self.directive.codes) > len(self.drop)
        title = "Remove the unused codes" if kept else "Remove the unused `noqa` directive"
        return RawFinding(
            CODE,
            xen903.message(self.unused, self.unknown, self.duplicated),
            self.line,
            self.directive.start + 1,
            self.line,
            self.directive.end + 1,
            title,
            fix_safety="safe",
            explanation=xen903.explanation(self.unused, self.unknown, self.duplicated),
        )


def enabled_for(config: Config, path: str) -> Callable[[str], bool]:
    """Whether a rule code is reported for ``path`` (selection, then per-file ignores)."""
    dropped = config.ignored_for(Path(path)) if path else ()

    def enabled(code: str) -> bool:
        return config.selection.enabled(code) and not any(matches(s, code) for s in dropped)

    return enabled


def might_have_directives(text: str) -> bool:
    folded = text.casefold()
    return "noqa" in folded and "xen" in folded


def unused_directives(
    program: Program, findings: Sequence[RawFinding], enabled: Callable[[str], bool]
) -> list[Unused]:
    """The directives of ``program`` with codes that suppressed none of ``findings``.

    ``findings`` are all the raw findings of the program (before selection and ``# noqa``),
    from an analysis that ran to its end.
    """
    if not might_have_directives(program.text) or program.problems:
        return []
    if any(f.code in _NOT_ANALYSED for f in findings):
        return []
    columns = comment_columns(program.text)
    if columns is None:
        return []
    used: set[tuple[int, int, int]] = set()
    for finding in findings:
        if not enabled(finding.code):
            continue
        for d_index, directive in enumerate(directives(program.line_text(finding.line))):
            for c_index, (code, _, _) in enumerate(directive.codes):
                if finding.code.startswith(code.upper()):
                    used.add((finding.line, d_index, c_index))
    out = []
    for number, comment in sorted(columns.items()):
        if comment is None:
            continue
        for d_index, directive in enumerate(directives(program.line_text(number))):
            if directive.start < comment or not directive.codes:
                continue  # inside a string, or a bare # noqa
            was_used = {c for line, d, c in used if (line, d) == (number, d_index)}
            judged = _judge(directive, was_used, enabled)
            if judged is not None:
                out.append(Unused(number, directive, *judged))
    return out


def _judge(
    directive: Directive, was_used: set[int], enabled: Callable[[str], bool]
) -> tuple[tuple[int, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None:
    drop: list[int] = []
    unused: list[str] = []
    unknown: list[str] = []
    duplicated: list[str] = []
    seen: set[str] = set()
    for index, (written, _, _) in enumerate(directive.codes):
        code = written.upper()
        if not code.startswith(_OWN_PREFIX):
            continue  # another tool's
        if code in seen:
            drop.append(index)
            duplicated.append(code)
            continue
        seen.add(code)
        covered = [rule for rule in RULES if rule.startswith(code)]
        if not covered:
            drop.append(index)
            unknown.append(code)
        elif CODE in covered or not all(enabled(rule) for rule in covered):
            continue  # suppresses XEN903 itself, or a rule this run does not report
        elif index not in was_used:
            drop.append(index)
            unused.append(code)
    if not drop:
        return None
    return tuple(drop), tuple(unused), tuple(unknown), tuple(duplicated)


def fix_text(text: str, found: Sequence[Unused]) -> str:
    """``text`` (the program's) with the codes of ``found`` taken out of their directives."""
    lines = split_lines(text)
    by_line: dict[int, list[Unused]] = {}
    for item in found:
        by_line.setdefault(item.line, []).append(item)
    for number, items in by_line.items():
        if number > len(lines):
            continue
        raw = lines[number - 1]
        body = raw.rstrip("\r\n")
        # right to left, so that the columns of the directives before stay right
        for item in sorted(items, key=lambda u: u.directive.start, reverse=True):
            body = without_codes(body, item.directive, item.drop)
        lines[number - 1] = body + raw[len(raw.rstrip("\r\n")) :]
    return "".join(lines)
