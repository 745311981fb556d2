"""A small stdlib-only driver for headless Chromium over the DevTools protocol.

Chromium is started with ``--remote-debugging-pipe``: it reads NUL-terminated JSON commands
from file descriptor 3 and writes replies and events to file descriptor 4. That is enough to
load a page, evaluate JavaScript, take screenshots and watch every network request, without
websocket libraries or a browser download.

    with Browser() as browser:
        page = browser.open(path)          # waits for the load event
        page.evaluate("document.title")
        page.screenshot(out_png)
        page.requests                      # every URL the page asked for
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)


def chromium_binary() -> str:
    """The Chromium executable (``$CHROMIUM`` or the first of the usual names on ``PATH``)."""
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return str(shutil.which(name))
    raise RuntimeError("chromium not found: install it with `apt-get install -y chromium`")


class DevToolsError(RuntimeError):
    """A DevTools command failed or the browser stopped answering."""


class Browser:
    """One headless Chromium process, driven over the DevTools pipe."""

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="scrubber-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_fds() -> None:
            # In the child: fd 3 = commands in, fd 4 = replies out. Copies first, so that
            # the two dup2 calls cannot clobber each other; os.pipe's own ends are
            # close-on-exec and vanish at exec, the dup2'd 3 and 4 are inherited.
            commands, replies = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        self._process = subprocess.Popen(
            [chromium_binary(), *CHROMIUM_FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
            preexec_fn=wire_fds,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> Any:
        """Run one DevTools command and return its result (events seen meanwhile are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise DevToolsError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for_event(self, method: str, session: str = "") -> dict[str, Any]:
        """Wait for the next event called ``method`` (seen already or still to come)."""
        for index, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId", "") == session:
                return self.events.pop(index)
        while True:
            event = self._read_message()
            if event.get("method") == method and event.get("sessionId", "") == session:
                return event
            self.events.append(event)

    def _read_message(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise DevToolsError("chromium did not answer in time")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise DevToolsError("chromium exited")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def open(self, path: Path, width: int = 1280, height: int = 900) -> Page:
        """A new tab showing the local file ``path``, after its load event."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        page.navigate(path.resolve().as_uri())
        return page

    def close(self) -> None:
        with contextlib.suppress(DevToolsError, OSError):
            self.send("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._to_child, self._from_child):
            os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@dataclass
class Page:
    """One tab, attached with a flat DevTools session."""

    browser: Browser
    session: str
    load_seconds: float = 0.0
    url: str = ""
    _seen: list[dict[str, Any]] = field(default_factory=list)

    def navigate(self, url: str) -> None:
        started = time.perf_counter()
        self.url = url
        self.browser.send("Page.navigate", {"url": url}, session=self.session)
        self.browser.wait_for_event("Page.loadEventFired", self.session)
        self.load_seconds = time.perf_counter() - started

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises are awaited); page errors raise."""
        result = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll until ``expression`` is truthy in JavaScript; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(
                f"(() => {{ const v = ({expression}); return v ? v : false; }})()"
            )
            if value is not False:
                return value
            if time.monotonic() > deadline:
                raise DevToolsError(f"timed out waiting for {expression!r}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        """Click the middle of the first element matching ``selector`` with the mouse."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        if box is None:
            raise DevToolsError(f"no element matches {selector!r}")
        for kind in ("mousePressed", "mouseReleased"):
            self.browser.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1},
                session=self.session,
            )

    def screenshot(self, out: Path, selector: str | None = None, max_height: int = 1400) -> Path:
        """A PNG of the viewport, or of the element matching ``selector`` (its top
        ``max_height`` pixels, if it is taller)."""
        params: dict[str, Any] = {"format": "png"}
        if selector is not None:
            box = self.evaluate(
                f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                " e.scrollIntoView(); const r = e.getBoundingClientRect();"
                " return {x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}; })()"
            )
            params["clip"] = {
                "x": box["x"],
                "y": box["y"],
                "width": box["w"],
                "height": min(box["h"], max_height),
                "scale": 1,
            }
            params["captureBeyondViewport"] = True
        data = self.browser.send("Page.captureScreenshot", params, session=self.session)["data"]
        out.write_bytes(base64.b64decode(data))
        return out

    @property
    def requests(self) -> list[str]:
        """Every URL this page requested (the page's own file included)."""
        self._drain()
        return [
            e["params"]["request"]["url"]
            for e in self._seen
            if e.get("method") == "Network.requestWillBeSent"
        ]

    @property
    def console(self) -> list[str]:
        """Console messages and browser log entries (CSP violations are reported here)."""
        self._drain()
        texts = []
        for event in self._seen:
            if event.get("method") == "Log.entryAdded":
                texts.append(event["params"]["entry"].get("text", ""))
            elif event.get("method") == "Runtime.consoleAPICalled":
                texts.append(" ".join(str(a.get("value", "")) for a in event["params"]["args"]))
        return texts

    def _drain(self) -> None:
        self.browser.send("Runtime.evaluate", {"expression": "0"}, session=self.session)
        mine = [e for e in self.browser.events if e.get("sessionId") == self.session]
        self.browser.events = [e for e in self.browser.events if e.get("sessionId") != self.session]
        self._seen.extend(mine)
