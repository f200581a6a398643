"""What the browser tests share: the running server, desk accounts, guarded browser contexts,
and the checks every page in a flow goes through.

Every page a flow visits is checked four ways (`Site.check`):
  - full-page screenshots at phone (390 px) and desktop (1280 px) widths under screenshots/;
  - no sideways scrolling at either width;
  - keyboard: Tab alone reaches every control, and each shows a visible focus indicator;
  - axe-core: no serious or critical violation at either width.

axe-core is injected with `add_script_tag`, which the site's CSP (rightly) refuses, and the
submitter's pages are read with JavaScript off, where no script runs at all. So axe runs on a
replay: the exact HTML the flow's page holds, served at the same address in a second context
with `bypass_csp=True` and JavaScript on, loading the site's own stylesheets. The flow's own
contexts keep the CSP and settings the site serves, and a CSP violation there fails the test.

This module imports nothing from Playwright at import time, so collection works (and the
tests skip with a reason) where Playwright is not installed.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pyotp

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Response, Route

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Belt and braces for the network rule: no host name resolves at all, so nothing can
    # reach another host even past the request interception below; the app is on 127.0.0.1.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
VIEWPORTS = {390: 844, 1280: 800}
BLOCKING_IMPACTS = ("serious", "critical")
NEW_PASSWORD = "quiet harbour lantern orchard"
TOTP_STEP = 30


def missing_prerequisite() -> str | None:
    """Why the browser suite cannot run here, or None when it can."""
    import importlib.util

    if not CHROMIUM.exists():
        return "Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium; .ci/run does it)"
    if (
        importlib.util.find_spec("playwright") is None
        or importlib.util.find_spec("pytest_playwright") is None
    ):
        return (
            "Playwright is not installed (.venv/bin/pip install --require-hashes -r requirements-browser.txt;"
            " make venv does it)"
        )
    if not AXE.exists():
        return "axe-core is not installed in node_modules/ (npm ci; .ci/run does it)"
    return None


# ---- desk accounts ---------------------------------------------------------------------------


@dataclass
class Account:
    """A desk account made with `flask moderators create` (or `init`), as its holder knows it.
    The CLI gives a one-time password only; `secret` is read off the enrolment page at the
    first login, after the holder has chosen their own password."""

    name: str
    role: str
    password: str
    secret: str = ""
    enrolled: bool = False
    last_step: int = -1
    recovery_codes: list[str] = field(default_factory=list)

    def next_code(self) -> str:
        """A TOTP code the server accepts now and has not seen before.

        The server accepts the previous, current and next 30-second step, each once and only
        in increasing order. So use the current step, or the next if the current one is spent,
        and wait for the clock when both are."""
        while True:
            now = int(time.time() // TOTP_STEP)
            step = max(now, self.last_step + 1)
            if step <= now + 1:
                break
            time.sleep((now + 1) * TOTP_STEP - time.time() + 0.5)
        self.last_step = step
        return str(pyotp.TOTP(self.secret).at(step * TOTP_STEP))


def parse_created_accounts(output: str) -> dict[str, Account]:
    """Accounts from the output of `flask init` / `flask moderators create`."""
    found: dict[str, Account] = {}
    assert "otpauth" not in output, "the CLI printed a TOTP secret"
    pattern = re.compile(r"Created (\w+) account '([^']+)'\.\s+One-time password: (\S+)")
    for role, name, password in pattern.findall(output):
        found[name] = Account(name=name, role=role, password=password)
    return found


# ---- guarded contexts ------------------------------------------------------------------------


class Guard:
    """Blocks and records every request to anything but the app, and records CSP violations,
    page errors and server errors seen by one browser context."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.foreign: list[str] = []
        self.csp: list[str] = []
        self.server_errors: list[str] = []

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("about", "data", "blob"):
            return True
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def attach(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)
        context.on("request", self._request)
        context.on("response", self._response)
        context.on("console", self._console)

    def _route(self, route: Route) -> None:
        if self.allowed(route.request.url):
            route.fallback()
        else:
            route.abort("blockedbyclient")

    def _request(self, request: Request) -> None:
        if not self.allowed(request.url):
            self.foreign.append(request.url)

    def _response(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)

    def problems(self) -> list[str]:
        return (
            [f"requested another host: {url}" for url in self.foreign]
            + [f"CSP violation: {text}" for text in self.csp]
            + [f"server error: {line}" for line in self.server_errors]
        )


# ---- the checks on every page ----------------------------------------------------------------

# Marks each control a keyboard user must be able to reach, and describes it.
_MARK_CONTROLS = """
() => {
  const all = document.querySelectorAll('a[href], area[href], button, input, select, textarea, summary, iframe, [tabindex], [contenteditable=""], [contenteditable=true]');
  const controls = [];
  for (const el of all) {
    if (el.matches('input[type=hidden]') || el.disabled) continue;
    const tabindex = el.getAttribute('tabindex');
    if (tabindex !== null && Number(tabindex) < 0) continue;
    if (el.closest('[hidden], [inert]')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || !el.getClientRects().length) continue;
    if (el.closest('details:not([open])') && !el.matches('details > summary')) continue;
    el.setAttribute('data-kb', String(controls.length));
    const group = el.matches('input[type=radio]') && el.name ? 'radio:' + el.name : null;
    const label = (el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].innerText)
                   || el.innerText || el.value || el.name || el.id || el.tagName).trim().replace(/\\s+/g, ' ');
    controls.push({id: String(controls.length), group, what: el.tagName.toLowerCase() + ' "' + label.slice(0, 50) + '"'});
  }
  return controls;
}
"""

# Describes the focused element and whether its focus can be seen.
_FOCUSED = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  // "auto" is the browser's own focus ring; any other outline must be at least 2px wide.
  const outline = style.outlineStyle === 'auto' || (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2);
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  const rect = el.getBoundingClientRect();
  const onScreen = rect.right > 0 && rect.bottom > 0 && rect.left < innerWidth && rect.top < innerHeight;
  return {id: el.getAttribute('data-kb'), tag: el.tagName.toLowerCase(), visible: Boolean(outline || shadow),
          onScreen, outline: style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor};
}
"""

_AXE_RUN = """
async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\\s+/g, ' '))}));
}
"""


def keyboard_problems(page: Page) -> list[str]:
    """Press Tab (nothing else) until every control has had focus; report any control Tab never
    reaches and any that shows no visible focus indicator."""
    controls: list[dict[str, Any]] = page.evaluate(_MARK_CONTROLS)
    wanted = {c["id"]: c for c in controls}
    reached: set[str] = set()
    groups_reached: set[str] = set()
    problems: list[str] = []
    invisible: set[str] = set()
    for _ in range(2 * len(controls) + 6):
        if len(reached) == len(wanted):
            break
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None or focused["id"] is None:
            continue
        reached.add(focused["id"])
        control = wanted.get(focused["id"])
        if control and control["group"]:
            groups_reached.add(control["group"])
        if (not focused["visible"] or not focused["onScreen"]) and focused["id"] not in invisible:
            invisible.add(focused["id"])
            what = control["what"] if control else focused["tag"]
            where = (
                "is off screen" if not focused["onScreen"] else f"has no visible focus ({focused['outline']})"
            )
            problems.append(f"{what} {where}")
    for cid, control in wanted.items():
        if cid not in reached and not (control["group"] and control["group"] in groups_reached):
            problems.append(f"{control['what']} is never reached with Tab")
    return problems


class Site:
    """One test's view of the running app: guarded pages and the per-page checks."""

    def __init__(
        self,
        base: str,
        new_context: Callable[..., BrowserContext],
        accounts: dict[str, Account],
        name: str,
        *,
        seeded: bool = False,
    ) -> None:
        self.base = base
        self.seeded = seeded
        self._new_context = new_context
        self.accounts = accounts
        self.guards: list[Guard] = []
        self.shots = SCREENSHOTS / name
        self.counter = 0
        self.axe_log: list[dict[str, Any]] = []
        self._axe_context: BrowserContext | None = None
        self.checked: list[str] = []
        if self.shots.exists():
            for old in self.shots.glob("*"):
                old.unlink()
        self.shots.mkdir(parents=True, exist_ok=True)

    def url(self, path: str) -> str:
        return self.base + path

    def context(self, *, javascript: bool = True, **options: Any) -> BrowserContext:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        # The people this site is for: in the UK, in British English.
        options.setdefault("locale", "en-GB")
        options.setdefault("timezone_id", "Europe/London")
        context = self._new_context(java_script_enabled=javascript, **options)
        guard = Guard(self.base)
        guard.attach(context)
        self.guards.append(guard)
        context.set_default_timeout(20_000)
        return context

    def page(self, *, javascript: bool = True) -> Page:
        return self.context(javascript=javascript).new_page()

    # -- the per-page checks --

    def check(self, page: Page, step: str, *, keyboard: bool = True) -> None:
        """Screenshots, sideways scrolling, keyboard and axe-core for the page as it is now."""
        self.counter += 1
        stem = f"{self.counter:02d}-{step}"
        html, url = page.content(), page.url
        problems: list[str] = []
        size = page.viewport_size or {"width": 1280, "height": 800}
        for width, height in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(self.shots / f"{stem}-{width}.png"), full_page=True)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                problems.append(f"scrolls sideways by {overflow}px at {width}px wide")
        page.set_viewport_size(size)
        if keyboard:
            problems += [f"keyboard: {p}" for p in keyboard_problems(page)]
        problems += self._axe(url, html, step)
        self.checked.append(step)
        assert not problems, f"{step} ({url}):\n  " + "\n  ".join(problems)

    def _axe(self, url: str, html: str, step: str) -> list[str]:
        if self._axe_context is None:
            self._axe_context = self.context(javascript=True, bypass_csp=True)
        page = self._axe_context.new_page()
        try:
            page.route(
                lambda u: u == url,
                lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html),
            )
            page.goto(url)
            page.add_script_tag(path=str(AXE))
            problems: list[str] = []
            for width, height in VIEWPORTS.items():
                page.set_viewport_size({"width": width, "height": height})
                violations = page.evaluate(_AXE_RUN)
                self.axe_log.append({"step": step, "url": url, "width": width, "violations": violations})
                for v in violations:
                    if v["impact"] in BLOCKING_IMPACTS:
                        nodes = "; ".join(v["nodes"][:3])
                        problems.append(f"axe {v['impact']} {v['id']} at {width}px: {v['help']} ({nodes})")
            return problems
        finally:
            page.close()

    def finish(self) -> list[str]:
        """Write the axe log beside the screenshots; return what the guards caught."""
        (self.shots / "axe.json").write_text(json.dumps(self.axe_log, indent=1))
        return [p for guard in self.guards for p in guard.problems()]

    # -- desk helpers --

    def log_in(self, page: Page, account: Account) -> None:
        """Log in to the desk through its forms: the first time, choosing a password (which
        makes the account's key) and then enrolling TOTP (the moderator flow walks these steps
        itself, with checks)."""
        page.goto(self.url("/desk/login"))
        page.fill("#name", account.name)
        page.fill("#password", account.password)
        page.click("button:has-text('Continue')")
        if page.url.endswith("/desk/first-password"):
            page.fill("#old", account.password)
            page.fill("#new", NEW_PASSWORD)
            page.fill("#again", NEW_PASSWORD)
            page.click("button:has-text('Save')")
            account.password = NEW_PASSWORD
        if page.url.endswith("/desk/enrol"):
            account.secret = page.locator("figcaption code").inner_text().strip()
            page.fill("#code", account.next_code())
            page.click("button:has-text('Confirm')")
            account.recovery_codes = page.locator(".codes code").all_inner_texts()
            account.enrolled = True
            page.click("a:has-text('Continue')")
        else:
            page.fill("#code", account.next_code())
            page.click("button:has-text('Log in')")
        assert "/desk/" in page.url and "/login" not in page.url, page.url

    def queue_ids(self, page: Page, status: str = "received") -> list[str]:
        """Every item number on a queue tab, following "Next page" links."""
        page.goto(self.url(f"/desk/?status={status}"))
        ids: list[str] = []
        while True:
            ids += [t.strip().lstrip("#") for t in page.locator("a[data-shortcut-item]").all_inner_texts()]
            more = page.locator("a:has-text('Next page')")
            if not more.count():
                return ids
            more.click()

    def exists(self, path: str) -> bool:
        """Whether the app serves `path` (anything but 404), asked outside the browser."""
        import urllib.error
        import urllib.request

        try:
            urllib.request.urlopen(self.url(path), timeout=10)  # noqa: S310 - loopback only
        except urllib.error.HTTPError as exc:
            return exc.code != 404
        return True


def tab_to(page: Page, selector: str, *, limit: int = 80) -> None:
    """Move focus to `selector` with the Tab key alone (as a keyboard user would)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")
