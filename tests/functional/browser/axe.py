"""axe-core, run inside the page: WCAG 2.1 A and AA rules.

axe-core comes from the npm registry at the version package-lock.json pins
(``make test`` installs it into node_modules/). A critical or serious
violation fails the test; moderate and minor ones are axe's advice and best
practices, left to review.
"""

import json
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"critical", "serious"}


def axe_violations(page, include=None, rules=None):
    """The critical and serious WCAG 2.1 A/AA violations on the page as it is
    now; ``include``: CSS selectors of the parts to check (default: all);
    ``rules``: only these axe rules (default: all of WCAG 2.1 A/AA)."""
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: run `make test` (or `npm ci`) to install axe-core.")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_21_AA}
    results = page.evaluate(
        """([include, runOnly]) => axe.run(
            include ? {include: include.map((selector) => [selector])} : document,
            {runOnly: runOnly, resultTypes: ['violations']})""",
        [include, run_only],
    )
    return [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]


def describe(violations):
    """One readable block per rule: what, where and why, with axe's help link."""
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:160]}")
            for reason in node.get("failureSummary", "").splitlines():
                if reason.strip():
                    lines.append(f"        {reason.strip()}")
    return "\n".join(lines)
