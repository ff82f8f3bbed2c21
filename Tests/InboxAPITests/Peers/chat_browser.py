"""Drives the chat widget in headless chromium over the DevTools protocol, as a visitor would.

usage: chat_browser.py --url URL --send TEXT --expect TEXT [--timeout 60] [--reload] [--screenshot PNG]
Opens URL, clicks the launcher, types TEXT, clicks send, and waits until the server has echoed TEXT back as an
inbound message and an outbound message containing the --expect text has arrived. Prints one JSON line:
  {"ok":true,"visitorToken":"...","messages":[{"direction":..,"authorType":..,"text":..},...]}   (exit 0)
  {"ok":false,"error":"...","messages":[...]}                                                       (exit 1)
--reload then reloads the page and checks that the same visitor gets both messages back from the server
("resumed":true). --screenshot saves a PNG of the page at the end. Chromium and its profile directory are always
removed, also on SIGTERM and when the timeout runs out.
"""
import argparse, base64, contextlib, itertools, json, os, shutil, signal, subprocess, sys, tempfile, time

try:
    from websockets.sync.client import connect
except ImportError:
    sys.exit("websockets (13+) is missing: run Scripts/setup.sh")

# A test runner may start us with SIGTERM blocked: take it back.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGALRM})

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--send", required=True)
parser.add_argument("--expect", required=True)
parser.add_argument("--timeout", type=float, default=60)
parser.add_argument("--reload", action="store_true")
parser.add_argument("--screenshot")
parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
options = parser.parse_args()


class Failure(Exception):
    pass


class Timeout(Failure):
    pass


class Stop(BaseException):
    """Raised from signal handlers, so the cleanup in `finally` still runs."""


def on_signal(number, _frame):
    raise Stop("timed out (alarm)" if number == signal.SIGALRM else f"stopped by signal {number}")


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
signal.signal(signal.SIGALRM, on_signal)
# Last resort if a call ever blocks past our own deadline checks.
signal.alarm(int(options.timeout) + 15)
deadline = time.monotonic() + options.timeout

# Reads what the widget shows. Pending (not yet confirmed by the server) bubbles carry data-pending.
READ_STATE = """(() => {
  const script = document.querySelector('script[data-channel-id]');
  const channelId = script ? script.getAttribute('data-channel-id') : null;
  let token = null;
  try { token = channelId ? localStorage.getItem('switchboard.chat.' + channelId) : null; } catch (e) {}
  const messages = [...document.querySelectorAll('[data-sbc="message"]')].map((m) => {
    const body = m.querySelector('[data-sbc="text"]');
    return { direction: m.getAttribute('data-direction'), authorType: m.getAttribute('data-author-type'),
             text: (body || m).textContent, id: m.getAttribute('data-id'), pending: m.hasAttribute('data-pending') };
  });
  return { token, messages, ready: document.readyState, marker: window.__sbcOldPage === true };
})()"""

# The centre of an element if it is visible and nothing covers it there, so a real click would land on it.
CLICK_POINT = """((selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return null;
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  return hit && (hit === el || el.contains(hit)) ? { x, y } : null;
})"""


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="chat-browser-")
        self.process = None
        self.socket = None
        self.exits = contextlib.ExitStack()  # closes the DevTools connection
        self.session = None
        self.ids = itertools.count(1)
        self.log = []  # page console errors and exceptions, to explain a failure

    def start(self):
        self.process = subprocess.Popen(
            [options.chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
             "--disable-dev-shm-usage",
             "--window-size=1280,800", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.profile, "chromium.log"), "wb"), start_new_session=True)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        while True:
            if self.process.poll() is not None:
                raise Failure(f"chromium exited with status {self.process.returncode}: {self.stderr_tail()}")
            try:
                lines = open(port_file).read().split("\n")
                if len(lines) >= 2 and lines[0].strip() and lines[1].strip():
                    break
            except FileNotFoundError:
                pass
            check_deadline("chromium did not open its DevTools port")
            time.sleep(0.05)
        self.socket = self.exits.enter_context(connect(f"ws://127.0.0.1:{lines[0].strip()}{lines[1].strip()}",
                                                       max_size=None, open_timeout=max(1, remaining())))
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next((t for t in targets if t["type"] == "page"), None)
        target_id = page["targetId"] if page else self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        for domain in ("Page.enable", "Runtime.enable"):
            self.call(domain, session=True)

    def call(self, method, params=None, session=False):
        message_id = next(self.ids)
        request = {"id": message_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = self.session
        self.socket.send(json.dumps(request))
        while True:
            check_deadline(f"no answer to {method}")
            try:
                reply = json.loads(self.socket.recv(timeout=min(1, max(0.05, remaining()))))
            except TimeoutError:
                continue
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise Failure(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.note(reply)

    def note(self, event):
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.log.append("exception: " + (details.get("exception", {}).get("description") or details.get("text", "")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            self.log.append(params["type"] + ": " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session=True)
        if "exceptionDetails" in result:
            raise Failure("page script failed: " + result["exceptionDetails"].get("text", ""))
        return result.get("result", {}).get("value")

    def click(self, selector, what):
        point = wait_for(lambda: self.evaluate(f"{CLICK_POINT}({json.dumps(selector)})"), f"{what} never became clickable")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": point["x"], "y": point["y"], "button": "left", "clickCount": 1}, session=True)

    def stderr_tail(self):
        try:
            return open(os.path.join(self.profile, "chromium.log"), errors="replace").read()[-800:].strip()
        except OSError:
            return ""

    def close(self):
        # Every step guards itself, so a half-started browser is still cleaned up completely.
        try:
            self.exits.close()
        except Exception:
            pass
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=3)
            except (subprocess.TimeoutExpired, ProcessLookupError, PermissionError):
                pass
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # renderers and zygotes share the process group
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for _ in range(3):
            shutil.rmtree(self.profile, ignore_errors=True)
            if not os.path.exists(self.profile):
                break
            time.sleep(0.2)


def remaining():
    return deadline - time.monotonic()


def check_deadline(what):
    if remaining() <= 0:
        raise Timeout(f"timed out after {options.timeout:g}s: {what}")


def wait_for(probe, what):
    # A probe may fail while a page is still loading (its context goes away): that only means "not yet".
    problem = None
    while True:
        try:
            value = probe()
            if value:
                return value
        except Timeout:
            check_deadline(what)
        except Failure as failure:
            problem = failure
        check_deadline(what + (f" (last problem: {problem})" if problem else ""))
        time.sleep(0.1)


def public(messages):
    return [{"direction": m["direction"], "authorType": m["authorType"], "text": m["text"]} for m in messages]


def confirmed(state, direction, text):
    return next((m for m in state["messages"] if m["direction"] == direction and not m["pending"] and m["id"] and text in m["text"]), None)


def conversation(browser):
    """Waits for the server's echo of --send and a reply containing --expect."""
    last = {"messages": []}

    def probe():
        state = browser.evaluate(READ_STATE)
        last.update(state)
        sent, reply = confirmed(state, "inbound", options.send), confirmed(state, "outbound", options.expect)
        return (state, sent, reply) if sent and reply and state["token"] else None

    try:
        return wait_for(probe, "the sent message and the expected reply did not both appear")
    except BaseException as failure:  # also a signal: report what the page showed so far
        failure.messages = last["messages"]
        raise


def run(browser, result):
    browser.start()
    navigation = browser.call("Page.navigate", {"url": options.url}, session=True)
    if navigation.get("errorText"):
        raise Failure(f"could not load {options.url}: {navigation['errorText']}")
    browser.click('[data-sbc="launcher"]', "the launcher")
    browser.click('[data-sbc="input"]', "the message input")
    browser.call("Input.insertText", {"text": options.send}, session=True)
    browser.click('[data-sbc="send"]', "the send button")
    state, sent, reply = conversation(browser)
    result.update(visitorToken=state["token"], messages=public(state["messages"]))

    if options.reload:
        # The marker tells the old document from the reloaded one.
        browser.evaluate("window.__sbcOldPage = true")
        browser.call("Page.reload", {"ignoreCache": True}, session=True)
        wait_for(lambda: (lambda s: not s["marker"] and s["ready"] == "complete")(browser.evaluate(READ_STATE)),
                 "the page did not reload")
        browser.click('[data-sbc="launcher"]', "the launcher after reloading")
        again, sent_again, reply_again = conversation(browser)
        if again["token"] != state["token"]:
            raise Failure("the visitor token changed across the reload")
        if (sent_again["id"], reply_again["id"]) != (sent["id"], reply["id"]):
            raise Failure("the history after the reload has different message ids")
        result.update(resumed=True, messages=public(again["messages"]))

    if options.screenshot:
        time.sleep(0.3)  # let the last bubble's scroll settle
        image = browser.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        with open(options.screenshot, "wb") as file:
            file.write(base64.b64decode(image))


def main():
    browser = Browser()
    result = {"ok": True}
    try:
        run(browser, result)
    except (Failure, Stop, Exception) as failure:
        error = str(failure) if isinstance(failure, (Failure, Stop)) else f"{type(failure).__name__}: {failure}"
        messages = getattr(failure, "messages", None)
        if messages is None:
            messages = result.get("messages", [])
        result = {"ok": False, "error": error, "messages": public(messages) if messages and "pending" in messages[0] else messages}
        if browser.log:
            result["console"] = browser.log[-10:]
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # don't let a second signal interrupt the cleanup
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.alarm(20)
        signal.signal(signal.SIGALRM, lambda *_: os._exit(2))
        browser.close()
    print(json.dumps(result, separators=(",", ":")), flush=True)
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
