/* Switchboard live chat widget.
 * Embed: <script src="https://HOST/chat/widget.js" data-channel-id="CHANNEL_ID" async></script>
 * The server origin comes from this script's own src, so the same file works on any site. */
(function () {
  "use strict";
  if (window.SwitchboardChat) return; // embedded twice: keep the first

  // currentScript is only set while this runs synchronously; fall back to a lookup for odd loaders.
  const script = document.currentScript || document.querySelector('script[src*="/chat/widget.js"][data-channel-id]');
  const channelId = script && script.getAttribute("data-channel-id");
  if (!channelId) { console.warn("Switchboard chat: missing data-channel-id on the script tag"); return; }
  const base = new URL(script.src, location.href);
  const socketURL = new URL("/chat/ws", base);
  socketURL.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  const tokenKey = "switchboard.chat." + channelId;
  const identifiedKey = tokenKey + ".identified";
  const MAX_LENGTH = 5000;

  // localStorage throws in some privacy modes; the widget still works, it just forgets the visitor.
  const store = {
    get(key) { try { return localStorage.getItem(key); } catch (_) { return null; } },
    set(key, value) { try { localStorage.setItem(key, value); } catch (_) { /* ignore */ } },
    remove(key) { try { localStorage.removeItem(key); } catch (_) { /* ignore */ } },
  };

  const CSS = `
.sbc-root, .sbc-root * { box-sizing: border-box; margin: 0; padding: 0; }
.sbc-root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; color: #1f2430;
  font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.sbc-root button, .sbc-root textarea, .sbc-root input { font: inherit; color: inherit; }
.sbc-launcher { width: 56px; height: 56px; border: 0; border-radius: 50%; background: #3451d1; color: #fff;
  cursor: pointer; display: flex; align-items: center; justify-content: center; margin-left: auto;
  box-shadow: 0 6px 20px rgba(23, 37, 84, .28); transition: transform .15s ease, background .15s ease; }
.sbc-launcher:hover { background: #2b44b8; transform: translateY(-1px); }
.sbc-launcher svg { width: 26px; height: 26px; }
.sbc-launcher:focus-visible, .sbc-root button:focus-visible { outline: 3px solid #a5b4fc; outline-offset: 2px; }
.sbc-panel { position: absolute; right: 0; bottom: 72px; width: 370px; height: 540px;
  max-height: calc(100vh - 110px); max-width: calc(100vw - 40px); background: #fff; border-radius: 14px;
  box-shadow: 0 12px 48px rgba(15, 23, 42, .22); display: flex; flex-direction: column; overflow: hidden;
  border: 1px solid rgba(15, 23, 42, .08); }
.sbc-panel[hidden] { display: none; }
.sbc-header { background: #3451d1; color: #fff; padding: 16px 16px 14px 18px; display: flex; align-items: flex-start; }
.sbc-title { font-size: 16px; font-weight: 600; }
.sbc-subtitle { font-size: 12.5px; opacity: .85; margin-top: 2px; }
.sbc-close { margin-left: auto; border: 0; background: transparent; color: #fff; width: 32px; height: 32px;
  border-radius: 8px; cursor: pointer; display: flex; align-items: center; justify-content: center; }
.sbc-close svg { width: 18px; height: 18px; }
.sbc-close:hover { background: rgba(255, 255, 255, .15); }
.sbc-notice { font-size: 12.5px; padding: 6px 14px; background: #fff7e6; color: #7a4b00; border-bottom: 1px solid #f3e2bf; }
.sbc-notice[hidden] { display: none; }
.sbc-list { flex: 1; overflow-y: auto; padding: 16px 14px 8px; background: #f7f8fb; display: flex; flex-direction: column; gap: 10px;
  scrollbar-width: thin; scrollbar-color: #c9ceda transparent; }
.sbc-empty { color: #5b6475; font-size: 13px; text-align: center; margin: 24px 20px; }
.sbc-msg { max-width: 80%; display: flex; flex-direction: column; }
.sbc-msg[data-direction="inbound"] { align-self: flex-end; align-items: flex-end; }
.sbc-msg[data-direction="outbound"] { align-self: flex-start; align-items: flex-start; }
.sbc-author { font-size: 11.5px; color: #5b6475; margin: 0 4px 3px; font-weight: 500; }
.sbc-bubble { padding: 9px 13px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere; }
.sbc-msg[data-direction="inbound"] .sbc-bubble { background: #3451d1; color: #fff; border-bottom-right-radius: 5px; }
.sbc-msg[data-direction="outbound"] .sbc-bubble { background: #fff; border: 1px solid #e3e6ee; border-bottom-left-radius: 5px; }
.sbc-msg[data-pending] .sbc-bubble { opacity: .6; }
.sbc-time { font-size: 11px; color: #8a92a3; margin: 3px 4px 0; }
.sbc-identify { border-top: 1px solid #e8eaf0; padding: 10px 14px; background: #fff; display: flex; flex-direction: column; gap: 6px; }
.sbc-identify[hidden] { display: none; }
.sbc-identify p { font-size: 12.5px; color: #3b4252; }
.sbc-identify-row { display: flex; gap: 6px; }
.sbc-identify input { flex: 1; min-width: 0; border: 1px solid #d5d9e2; border-radius: 8px; padding: 6px 9px; font-size: 13px; }
.sbc-identify input:focus, .sbc-input:focus { outline: none; border-color: #3451d1; box-shadow: 0 0 0 3px rgba(52, 81, 209, .15); }
.sbc-identify-row button { border: 0; border-radius: 8px; cursor: pointer; font-size: 12.5px; font-weight: 600; padding: 6px 12px; }
.sbc-save { background: #3451d1; color: #fff !important; }
.sbc-link { background: transparent; color: #5b6475 !important; }
.sbc-link:hover { color: #1f2430 !important; }
.sbc-composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px 12px; border-top: 1px solid #e8eaf0; background: #fff; }
.sbc-input { flex: 1; resize: none; border: 1px solid #d5d9e2; border-radius: 10px; padding: 9px 11px;
  max-height: 120px; min-height: 40px; line-height: 1.4; background: #fff; }
.sbc-send { border: 0; background: #3451d1; color: #fff; border-radius: 10px; height: 40px; padding: 0 16px; cursor: pointer; font-weight: 600; }
.sbc-send:hover { background: #2b44b8; }
.sbc-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 480px) { .sbc-root { right: 12px; bottom: 12px; } .sbc-panel { width: calc(100vw - 24px); height: calc(100vh - 96px); } }
`;

  // Small DOM builder: attributes are set with setAttribute and text with textContent, so message data is never parsed as HTML.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) if (value != null) node.setAttribute(key, value);
    for (const child of children) node.append(child);
    return node;
  }

  const style = el("style", { "data-sbc": "style" }, CSS);
  const launcher = el("button", { type: "button", class: "sbc-launcher", "data-sbc": "launcher",
    "aria-label": "Open chat", "aria-expanded": "false", "aria-controls": "sbc-panel" });
  // Static icon markup (no message data), so innerHTML is safe for these.
  const CHAT_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z"/></svg>';
  const CLOSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" fill="none"/></svg>';
  launcher.innerHTML = CHAT_ICON;
  const closeButton = el("button", { type: "button", class: "sbc-close", "aria-label": "Close chat", "data-sbc": "close" });
  closeButton.innerHTML = CLOSE_ICON;
  const notice = el("div", { class: "sbc-notice", role: "status", hidden: "" });
  const empty = el("p", { class: "sbc-empty" }, "Hi there! Ask us anything and we'll get back to you here.");
  const list = el("div", { class: "sbc-list", "data-sbc": "list", role: "log", "aria-live": "polite",
    "aria-relevant": "additions", "aria-label": "Conversation" }, empty);
  const emailInput = el("input", { type: "email", placeholder: "you@example.com", "aria-label": "Your email", autocomplete: "email", "data-sbc": "email" });
  const nameInput = el("input", { type: "text", placeholder: "Name (optional)", "aria-label": "Your name", autocomplete: "name", "data-sbc": "name" });
  const identifyForm = el("form", { class: "sbc-identify", hidden: "", "data-sbc": "identify", novalidate: "" },
    el("p", null, "Leave your email so we can follow up"),
    el("div", { class: "sbc-identify-row" }, emailInput, nameInput),
    el("div", { class: "sbc-identify-row" },
      el("button", { type: "submit", class: "sbc-save" }, "Save"),
      el("button", { type: "button", class: "sbc-link", "data-sbc": "dismiss" }, "No thanks")));
  const input = el("textarea", { class: "sbc-input", rows: "1", maxlength: String(MAX_LENGTH),
    placeholder: "Write a message\u2026", "aria-label": "Message", "data-sbc": "input" });
  const sendButton = el("button", { type: "button", class: "sbc-send", "aria-label": "Send message", "data-sbc": "send" }, "Send");
  const panel = el("div", { id: "sbc-panel", class: "sbc-panel", role: "dialog", "aria-label": "Chat with us", hidden: "" },
    el("div", { class: "sbc-header" },
      el("div", null, el("div", { class: "sbc-title" }, "Chat with us"),
        el("div", { class: "sbc-subtitle" }, "We usually reply within a few minutes")),
      closeButton),
    notice, list, identifyForm,
    el("div", { class: "sbc-composer" }, input, sendButton));
  const root = el("div", { class: "sbc-root", "data-sbc": "root" }, panel, launcher);

  // --- Messages ---------------------------------------------------------------------------------
  const byId = new Map();      // server message id -> element, to drop repeats after reconnects
  const pending = new Map();   // clientMessageId -> optimistic element, until the server echoes it
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

  function renderMessage(m, isPending) {
    const label = m.direction === "inbound" ? null
      : m.authorType === "bot" ? (m.authorName || "Assistant") : (m.authorName || "Support");
    const at = m.at ? new Date(m.at) : new Date();
    const node = el("div", { class: "sbc-msg", "data-sbc": "message", "data-direction": m.direction,
      "data-author-type": m.authorType, "data-id": m.id || "", "data-pending": isPending ? "" : null });
    if (label) node.append(el("div", { class: "sbc-author" }, label));
    node.append(el("div", { class: "sbc-bubble", "data-sbc": "text" }, m.text));
    node.append(el("time", { class: "sbc-time", datetime: isNaN(at) ? null : at.toISOString() }, isNaN(at) ? "" : timeFormat.format(at)));
    return node;
  }

  function place(node) {
    empty.remove();
    // Server messages go above bubbles still waiting to be sent, so history stays in order after a reconnect.
    const before = node.hasAttribute("data-pending") ? null : pending.values().next().value;
    list.insertBefore(node, before || null);
    list.scrollTop = list.scrollHeight;
  }

  function receive(m) {
    if (typeof m.id !== "string" || typeof m.text !== "string") return;
    if (byId.has(m.id)) return;
    const optimistic = m.clientMessageId && pending.get(m.clientMessageId);
    const node = renderMessage(m, false);
    if (optimistic) { pending.delete(m.clientMessageId); optimistic.replaceWith(node); } else place(node);
    byId.set(m.id, node);
    if (m.direction === "inbound") maybeOfferIdentify();
  }

  // --- Connection -------------------------------------------------------------------------------
  let socket = null, ready = false, attempt = 0, retryTimer = null, stopped = false;
  const outbox = []; // frames typed while disconnected, sent in order once a session is established

  function connect() {
    if (socket || stopped) return;
    clearTimeout(retryTimer);
    const url = new URL(socketURL);
    url.searchParams.set("channelId", channelId);
    const token = store.get(tokenKey);
    if (token) url.searchParams.set("visitorToken", token);
    const ws = new WebSocket(url.toString());
    socket = ws;
    ws.onmessage = (event) => { if (socket === ws) handleFrame(ws, event.data); };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null; ready = false;
      if (stopped) return;
      if (attempt > 0) showNotice("Reconnecting\u2026", false);
      // Exponential backoff from 1s to 30s; jitter keeps many visitors from reconnecting in lockstep.
      const delay = Math.min(30000, 1000 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
      attempt += 1;
      retryTimer = setTimeout(connect, delay);
    };
  }

  function handleFrame(ws, data) {
    let frame;
    try { frame = JSON.parse(data); } catch (_) { return; }
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "session") {
      if (typeof frame.visitorToken === "string") store.set(tokenKey, frame.visitorToken);
      ready = true; attempt = 0; hideNotice();
      while (outbox.length && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(outbox.shift()));
    } else if (frame.type === "message") {
      receive(frame);
    } else if (frame.type === "error") {
      handleError(ws, frame);
    }
  }

  function handleError(ws, frame) {
    switch (frame.code) {
      case "invalid_token": // the server forgot us: start over as a new visitor, right away
        store.remove(tokenKey); attempt = 0; ws.close(); break;
      case "unknown_channel":
        stopped = true; ws.close(); showNotice("Chat is not available right now.", false); break;
      case "rate_limited":
        showNotice("You're sending messages quickly. Please wait a moment.", true); break;
      default:
        showNotice(frame.message || "Something went wrong. Please try again.", true);
    }
  }

  function send(frame) {
    if (ready && socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    else { outbox.push(frame); connect(); }
  }

  let noticeTimer = null;
  function showNotice(text, transient) {
    clearTimeout(noticeTimer);
    notice.textContent = text; notice.hidden = false;
    if (transient) noticeTimer = setTimeout(hideNotice, 6000);
  }
  function hideNotice() { clearTimeout(noticeTimer); notice.hidden = true; notice.textContent = ""; }

  function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context; this does not
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function submit() {
    const text = input.value.trim();
    if (!text) return;
    if (text.length > MAX_LENGTH) { showNotice("Messages can be at most 5000 characters.", true); return; }
    const clientMessageId = randomId();
    const node = renderMessage({ direction: "inbound", authorType: "contact", text }, true);
    node.setAttribute("data-client-id", clientMessageId);
    pending.set(clientMessageId, node);
    place(node);
    send({ type: "message", text, clientMessageId });
    input.value = ""; resizeInput(); input.focus();
  }

  // --- Identify form ------------------------------------------------------------------------------
  function maybeOfferIdentify() {
    if (store.get(identifiedKey) || !identifyForm.hidden) return;
    identifyForm.hidden = false;
  }

  identifyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const email = emailInput.value.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) { emailInput.setAttribute("aria-invalid", "true"); emailInput.focus(); return; }
    const name = nameInput.value.trim();
    send({ type: "identify", email, name: name || null });
    store.set(identifiedKey, "1");
    identifyForm.hidden = true;
    showNotice("Thanks! We'll follow up by email if we miss you here.", true);
    input.focus();
  });
  identifyForm.querySelector('[data-sbc="dismiss"]').addEventListener("click", () => {
    store.set(identifiedKey, "declined"); identifyForm.hidden = true; input.focus();
  });
  emailInput.addEventListener("input", () => emailInput.removeAttribute("aria-invalid"));

  // --- Panel ------------------------------------------------------------------------------------
  function open() {
    connect();
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "Close chat");
    launcher.innerHTML = CLOSE_ICON;
    list.scrollTop = list.scrollHeight;
    input.focus();
  }
  function close() {
    if (panel.hidden) return; // don't pull focus away from the host page
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "Open chat");
    launcher.innerHTML = CHAT_ICON;
    launcher.focus();
  }

  function resizeInput() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 120) + "px";
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  sendButton.addEventListener("click", submit);
  input.addEventListener("input", resizeInput);
  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter makes a newline; leave Enter alone while an IME is composing.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); submit(); }
  });
  // Coming back online is a good moment to retry at once instead of waiting out the backoff.
  window.addEventListener("online", () => { if (!socket && !stopped && attempt > 0) { attempt = 0; connect(); } });

  function mount() {
    document.head.append(style);
    document.body.append(root);
    // A returning visitor reconnects at once so their conversation is there; new visitors connect on first open.
    if (store.get(tokenKey)) connect();
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  window.SwitchboardChat = { open, close };
})();
