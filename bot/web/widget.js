/*
 * Leg symptom guide: the website chat widget.
 *
 * Embed with one tag (served by bot.channels.widget, see docs/widget.md):
 *   <script src="https://bot.example.org/chat/widget.js" defer
 *           data-server-url="https://bot.example.org" data-title="Leg symptom guide"
 *           data-open="false"></script>
 *
 * Options (data attributes, all optional):
 *   data-server-url    the Rasa server (default: where widget.js comes from)
 *   data-socket-path   socket.io path on it (default /socket.io/)
 *   data-title         heading of the chat panel (default: the server's `widget.ui.title`)
 *   data-open          "true" to start with the panel open (first visit; later visits remember)
 *   data-init-payload  sent, unseen, when a new conversation is first opened: the server answers
 *                      with its greeting (default /greet; "" for none)
 *   data-restart-payload  sent by the "Start over" button (default /restart: Rasa resets the conversation)
 *
 * Protocol: the standard Rasa socket.io one (session_request / session_confirm, user_uttered /
 * bot_uttered with text, quick_replies or buttons, attachment, custom). The session id and the
 * rendered conversation are kept in localStorage, so a reload shows the same conversation and
 * goes on with it.
 *
 * Every word shown here comes from the server: the widget's own words from <widget path>/texts.js
 * (bot/texts.yml, section widget.ui), the assessment card's words (titles, headings, how well a
 * cause fits, the disclaimer) from the card itself (docs/presentation.md). This file only lays
 * them out. No third-party code here: the socket.io client is loaded from the server (node_modules).
 */
(function () {
  "use strict";

  if (window.LegSymptomWidget) return;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var base = new URL(".", script ? script.src : window.location.href);
  var data = (script && script.dataset) || {};
  var options = {
    server: (data.serverUrl || base.origin).replace(/\/+$/, ""),
    socketPath: data.socketPath || "/socket.io/",
    title: data.title || "",
    open: data.open === "true",
    initPayload: data.initPayload === undefined ? "/greet" : data.initPayload,
    restartPayload: data.restartPayload || "/restart"
  };
  var STORE_KEY = "leg-symptom-widget:" + options.server;
  var MAX_RECORDS = 200;
  var TYPING_TIMEOUT_MS = 45000;
  var EXPORT_FILE = "leg-symptom-guide-my-data.json";

  // --- words (texts.js) ---
  var words = {};
  function t(key, values) {
    var text = typeof words[key] === "string" ? words[key] : "";
    return text.replace(/\{(\w+)\}/g, function (match, name) {
      return values && values[name] !== undefined ? String(values[name]) : match;
    });
  }

  // --- state: {sessionId, open, greeted, privacy, records: [{from, text?, buttons?, custom?, image?}]} ---
  var state = load();
  if (state.open === undefined) state.open = options.open;

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null");
      if (saved && Array.isArray(saved.records)) return saved;
    } catch (e) { /* storage blocked or corrupt: start afresh */ }
    return { sessionId: null, records: [], greeted: false, privacy: null };
  }

  function save() {
    if (state.records.length > MAX_RECORDS) state.records = state.records.slice(-MAX_RECORDS);
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  // --- small DOM helpers ---
  var uid = 0;
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function nextId(prefix) { uid += 1; return "lsg-" + prefix + "-" + uid; }
  function hidden(text) { return el("span", { className: "lsg-visually-hidden", text: text }); }
  function strings(list) {
    return Array.isArray(list) ? list.filter(function (item) { return typeof item === "string" && item; }) : [];
  }
  function actions(list) {
    return Array.isArray(list) ? list.filter(function (a) { return a && a.title && a.payload; }) : [];
  }

  // --- the widget's DOM (built once the words are loaded) ---
  var ids = { panel: nextId("panel"), title: nextId("title"), input: nextId("input"), log: nextId("log"), menu: nextId("menu") };
  var root, launcher, panel, status, storage, menuButton, menu, log, typing, input;

  function build() {
    var title = options.title || t("title");
    launcher = el("button", {
      type: "button", className: "lsg-launcher", "aria-controls": ids.panel, "aria-expanded": "false",
      onclick: function () { setOpen(true); }
    }, [el("span", { className: "lsg-launcher-icon", "aria-hidden": "true", text: "\u{1F4AC}" }), t("launcher", { title: title })]);
    status = el("span", { className: "lsg-status", role: "status", text: t("connecting") });
    storage = el("span", { className: "lsg-storage", hidden: true });
    menuButton = el("button", {
      type: "button", className: "lsg-menu-button", "aria-haspopup": "true", "aria-expanded": "false",
      "aria-controls": ids.menu, hidden: true, text: t("privacy_menu"),
      onclick: function () { toggleMenu(); }
    });
    menu = el("div", { id: ids.menu, className: "lsg-menu", role: "menu", "aria-label": t("privacy_menu"), hidden: true });
    log = el("div", {
      id: ids.log, className: "lsg-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": t("conversation"), tabindex: "0"
    });
    typing = el("div", { className: "lsg-typing", hidden: true }, [
      el("span", { className: "lsg-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
      el("span", { role: "status", text: t("typing") })
    ]);
    input = el("input", {
      id: ids.input, className: "lsg-input", type: "text", autocomplete: "off", maxlength: "1000",
      placeholder: t("placeholder")
    });
    var form = el("form", { className: "lsg-form", onsubmit: onSubmit }, [
      el("label", { "for": ids.input, className: "lsg-visually-hidden", text: t("input_label") }),
      input,
      el("button", { type: "submit", className: "lsg-send", text: t("send") })
    ]);
    panel = el("section", { id: ids.panel, className: "lsg-panel", "aria-labelledby": ids.title, hidden: true }, [
      el("header", { className: "lsg-header" }, [
        el("div", { className: "lsg-heading" }, [
          el("h2", { id: ids.title, className: "lsg-title", text: title }),
          el("p", { className: "lsg-header-line" }, [status, storage])
        ]),
        el("div", { className: "lsg-header-actions" }, [
          menuButton,
          el("button", { type: "button", className: "lsg-restart", text: t("restart"), onclick: function () { restart(); } }),
          el("button", {
            type: "button", className: "lsg-close", "aria-label": t("close"), text: "\u00D7",
            onclick: function () { setOpen(false); launcher.focus(); }
          })
        ]),
        menu
      ]),
      log, typing, form,
      el("p", { className: "lsg-footnote", text: t("footnote") })
    ]);
    root = el("div", { className: "lsg-root" }, [panel, launcher]);
    document.addEventListener("click", function (event) {
      if (!menu.hidden && !menu.contains(event.target) && event.target !== menuButton) toggleMenu(false);
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      if (!menu.hidden) { toggleMenu(false); menuButton.focus(); return; }
      setOpen(false);
      launcher.focus();
    });
  }

  // --- privacy: the storage choice in the header, the controls in a menu ---
  function showPrivacy() {
    var privacy = state.privacy;
    if (!privacy || typeof privacy !== "object") return;
    var kind = privacy.storage;
    var days = privacy.retention_days;
    var said = kind === "stored" ? (days ? t("storage_stored", { days: days }) : t("storage_stored_unlimited"))
      : kind === "not_stored" ? t("storage_not_stored") : t("storage_ask");
    storage.textContent = said;
    storage.setAttribute("data-storage", String(kind));
    storage.hidden = false;
    menu.textContent = "";
    actions(privacy.controls).forEach(function (control) {
      menu.appendChild(el("button", {
        type: "button", role: "menuitem", className: "lsg-menu-item", "data-control": control.id, text: control.title,
        onclick: function () { toggleMenu(false); send(control.payload, control.title); }
      }));
    });
    if (typeof privacy.policy_url === "string" && /^https?:\/\//.test(privacy.policy_url)) {
      menu.appendChild(el("a", {
        role: "menuitem", className: "lsg-menu-item", href: privacy.policy_url, target: "_blank", rel: "noopener",
        text: t("privacy_policy", { operator: privacy.operator || "" })
      }));
    }
    menuButton.hidden = !menu.children.length;
  }

  function toggleMenu(open) {
    var show = open === undefined ? menu.hidden : open;
    menu.hidden = !show;
    menuButton.setAttribute("aria-expanded", String(show));
    if (show && menu.firstChild) menu.firstChild.focus();
  }

  // --- rendering ---
  function renderRecord(record, index) {
    if (record.from === "user") {
      return el("div", { className: "lsg-msg lsg-user" }, [hidden(t("you_said")), el("p", { text: record.text })]);
    }
    if (record.from === "system") {
      return el("div", { className: "lsg-msg lsg-system" }, [el("p", { text: record.text })]);
    }
    var custom = record.custom || {};
    var card = custom.card && typeof custom.card === "object" ? custom.card : null;
    var children = [hidden(t("assistant_said"))];
    var className = "lsg-msg lsg-bot";
    var onCard = [];
    if (card) {
      // The card is the message: its text is the same card as plain text, for other clients.
      children.push(renderCard(card));
      onCard = actions(card.more).map(function (m) { return m.payload; });
      className += " lsg-has-card";
    } else if (record.text) {
      children.push(el("p", { className: custom.privacy ? "lsg-notice" : null, text: record.text }));
    }
    if (record.image) children.push(el("img", { src: record.image, alt: t("image") }));
    if (custom.summary) children.push(renderSummaryLinks(custom.summary));
    if (custom.export) children.push(renderExportLink(custom.export));
    var node = el("div", { className: className }, children);
    var buttons = (record.buttons || []).filter(function (b) { return onCard.indexOf(b.payload) < 0; });
    if (buttons.length && isLatestBot(index)) {
      node.appendChild(el("div", { className: "lsg-quick-replies", role: "group", "aria-label": t("suggested") },
        buttons.map(function (b) {
          return el("button", {
            type: "button", className: "lsg-quick-reply", text: b.title,
            onclick: function () { send(b.payload, b.title); }
          });
        })));
    }
    return node;
  }

  // The card of docs/presentation.md, in its order: title + do_now, headline, why, inferred,
  // causes (name + fit), see_doctor_if, closing, disclaimer, then the `more` actions. On an
  // emergency what to do now stands alone: no causes, inferences or "more" beside it, even if sent.
  function renderCard(card) {
    var level = typeof card.level === "string" ? card.level : "";
    var emergency = level === "emergency";
    var headings = card.headings && typeof card.headings === "object" ? card.headings : {};
    var headingId = nextId("card");
    var body = el("div", { className: "lsg-card-body" });
    var node = el("article", { className: "lsg-card lsg-level-" + level, "data-triage": level, "aria-labelledby": headingId }, [
      el("header", { className: "lsg-card-level" }, [
        el("h3", { id: headingId, className: "lsg-card-title", text: card.title || "" }),
        card.do_now ? el("p", { className: "lsg-card-do-now", text: card.do_now }) : null
      ]),
      body
    ]);
    if (card.headline) body.appendChild(el("p", { className: "lsg-card-headline", text: card.headline }));
    section(body, "why", headings.why, strings(card.why).map(function (line) { return el("li", { text: line }); }));
    if (!emergency) {
      section(body, "inferred", headings.inferred, strings(card.inferred).map(function (line) { return el("li", { text: line }); }));
      var causes = Array.isArray(card.causes) ? card.causes.filter(function (c) { return c && c.name; }) : [];
      section(body, "causes", headings.causes, causes.map(function (cause) {
        return el("li", { "data-cause": cause.id }, [
          el("strong", { className: "lsg-cause-name", text: cause.name }),
          cause.fit ? el("span", { className: "lsg-fit", text: cause.fit }) : null
        ]);
      }), "ol");
      section(body, "see_doctor_if", headings.see_doctor_if, strings(card.see_doctor_if).map(function (line) {
        return el("li", { text: line });
      }));
    }
    if (card.closing) body.appendChild(el("p", { className: "lsg-card-closing", text: card.closing }));
    if (card.disclaimer) body.appendChild(el("p", { className: "lsg-card-disclaimer", text: card.disclaimer }));
    var more = emergency ? [] : actions(card.more);
    if (more.length) {
      body.appendChild(el("div", { className: "lsg-card-more", role: "group", "aria-label": t("more") }, more.map(function (m) {
        return el("button", {
          type: "button", className: "lsg-more", "data-more": m.id, text: m.title,
          onclick: function () { send(m.payload, m.title); }
        });
      })));
    }
    return node;
  }

  function section(body, name, heading, items, listTag) {
    if (!items.length) return;
    var headingId = heading ? nextId("section") : null;
    if (heading) body.appendChild(el("h4", { id: headingId, text: heading }));
    body.appendChild(el(listTag || "ul", { className: "lsg-card-" + name.replace(/_/g, "-"), "aria-labelledby": headingId }, items));
  }

  function renderSummaryLinks(summary) {
    var token = summary && summary.download && summary.download.token;
    if (typeof token !== "string" || !token) return null;
    var path = "summary/" + encodeURIComponent(token);
    return el("p", { className: "lsg-downloads" }, [
      el("a", { className: "lsg-download", "data-kind": "html", href: new URL(path + ".html", base).href, target: "_blank", rel: "noopener", text: t("summary_page") }),
      el("a", { className: "lsg-download", "data-kind": "pdf", href: new URL(path + ".pdf", base).href, download: "", text: t("summary_pdf") })
    ]);
  }

  function renderExportLink(exported) {
    var file = new Blob([JSON.stringify(exported, null, 2)], { type: "application/json" });
    return el("p", { className: "lsg-downloads" }, [
      el("a", { className: "lsg-download", "data-kind": "json", href: URL.createObjectURL(file), download: EXPORT_FILE, text: t("export_download") })
    ]);
  }

  // Quick replies stay only on the last bot message, until the person answers.
  function isLatestBot(index) {
    for (var i = index + 1; i < state.records.length; i += 1) {
      if (state.records[i].from !== "bot") return false;
    }
    return true;
  }

  function dropQuickReplies() {
    Array.prototype.forEach.call(log.querySelectorAll(".lsg-quick-replies"), function (node) { node.remove(); });
  }

  function renderAll() {
    log.textContent = "";
    state.records.forEach(function (record, index) { log.appendChild(renderRecord(record, index)); });
    scrollDown();
  }

  function append(record) {
    if (record.from !== "bot") dropQuickReplies();
    state.records.push(record);
    save();
    var node = renderRecord(record, state.records.length - 1);
    log.appendChild(node);
    if (record.custom && record.custom.card) node.scrollIntoView({ block: "start" });  // the card from its top
    else scrollDown();
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // --- typing indicator ---
  var typingTimer = null;
  function showTyping(on) {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(function () { typing.hidden = true; }, TYPING_TIMEOUT_MS);
    if (on) scrollDown();
  }

  // --- connection ---
  var socket = null;
  var balancerKey = Math.random().toString(36).slice(2, 12);
  var ready = false;
  var pending = [];

  function setStatus(key, kind) {
    status.textContent = t(key);
    root.setAttribute("data-connection", kind);
  }

  function connect() {
    // `lb`: one random value for every request of this page (the handshake too), so a load
    // balancer can keep socket.io's long-polling requests on one replica (deploy/nginx.conf.template).
    socket = window.io(options.server, {
      path: options.socketPath, reconnectionDelayMax: 5000, query: { lb: balancerKey }
    });
    socket.on("connect", function () {
      setStatus("connecting", "connecting");
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", function (sessionId) {
      var id = typeof sessionId === "string" ? sessionId : sessionId && sessionId.session_id;
      if (state.sessionId && id !== state.sessionId) {
        // The server started another conversation: the old history no longer applies.
        state.records = [];
        state.greeted = false;
        state.privacy = null;
        renderAll();
      }
      state.sessionId = id;
      save();
      ready = true;
      setStatus("online", "online");
      while (pending.length) emitMessage(pending.shift());
      greetIfNew();
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function (reason) {
      ready = false;
      setStatus("reconnecting", "offline");
      // socket.io retries by itself, except after a disconnect the server asked for.
      if (reason === "io server disconnect") setTimeout(function () { socket.connect(); }, 1000);
    });
    socket.on("connect_error", function () {
      ready = false;
      setStatus("unreachable", "offline");
    });
  }

  function emitMessage(text) {
    socket.emit("user_uttered", { message: text, session_id: state.sessionId });
  }

  function deliver(text) {
    showTyping(true);
    if (ready) emitMessage(text); else pending.push(text);
  }

  // The greeting is the server's answer to the init payload, asked for once per conversation:
  // the widget shows no welcome of its own, so a "hi" typed next meets the server's short hello.
  function greetIfNew() {
    if (state.open && !state.greeted && !state.records.length && options.initPayload) {
      state.greeted = true;
      save();
      deliver(options.initPayload);
    }
  }

  function onBotMessage(message) {
    if (!message || typeof message !== "object") return;
    var record = { from: "bot" };
    if (typeof message.text === "string") record.text = message.text;
    var buttons = message.quick_replies || message.buttons;
    if (Array.isArray(buttons) && buttons.length) {
      record.buttons = buttons.filter(function (b) { return b && b.title; }).map(function (b) {
        return { title: String(b.title), payload: String(b.payload === undefined ? b.title : b.payload) };
      });
    }
    var custom = message.custom && typeof message.custom === "object" ? message.custom : null;
    var attachment = message.attachment;
    if (attachment && attachment.type === "image" && attachment.payload && attachment.payload.src) {
      record.image = String(attachment.payload.src);
    }
    if (custom) {
      if (custom.privacy && typeof custom.privacy === "object") {
        state.privacy = custom.privacy;
        showPrivacy();
      }
      if (custom.erased) forgetLocally();
      if (custom.card || custom.summary || custom.export || custom.privacy) record.custom = custom;
    }
    if (!record.text && !record.buttons && !record.custom && !record.image) return;
    showTyping(false);
    append(record);
  }

  // The server erased the conversation: so does this browser (the history kept in localStorage).
  function forgetLocally() {
    state.records = [];
    save();
    renderAll();
  }

  // --- actions ---
  function send(payload, shownAs) {
    var text = String(payload || "").trim();
    if (!text) return;
    append({ from: "user", text: shownAs || text });
    deliver(text);
    input.focus();
  }

  function onSubmit(event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  }

  // Rasa answers /restart with its action_restart (the conversation is reset on the server) and
  // says nothing; the init payload sent right after it (Rasa handles one session's messages in
  // order) brings the new conversation's greeting: one greeting, whatever the server's speed.
  function restart() {
    state.records = [{ from: "system", text: t("new_conversation") }];
    state.greeted = true;
    save();
    renderAll();
    deliver(options.restartPayload);
    if (options.initPayload) deliver(options.initPayload);
    input.focus();
  }

  function setOpen(open, quiet) {
    state.open = open;
    save();
    if (!panel) return;  // called before the words arrived: start() opens it
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    root.classList.toggle("lsg-is-open", open);
    if (open) {
      scrollDown();
      if (!quiet) input.focus();
      if (ready) greetIfNew();
    }
  }

  // --- start ---
  function loadOnce(tag, attrs, test) {
    return new Promise(function (resolve, reject) {
      if (test()) { resolve(); return; }
      var node = el(tag, attrs);
      node.addEventListener("load", function () { resolve(); });
      node.addEventListener("error", function () { reject(new Error("could not load " + (attrs.src || attrs.href))); });
      document.head.appendChild(node);
    });
  }

  function start() {
    loadOnce("script", { src: new URL("texts.js", base).href }, function () { return Boolean(window.LegSymptomWidgetTexts); })
      .then(function () {
        words = window.LegSymptomWidgetTexts || {};
        build();
        document.body.appendChild(root);
        showPrivacy();
        renderAll();
        setOpen(Boolean(state.open), true);  // no focus stealing on page load
        return loadOnce("script", { src: new URL("socket.io.min.js", base).href }, function () { return typeof window.io === "function"; })
          .then(connect)
          .catch(function () { setStatus("cannot_load", "offline"); });
      })
      .catch(function () { /* the server is unreachable: no chat to show (its words come from it) */ });
  }

  var stylesheet = new URL("widget.css", base).href;
  if (!document.querySelector('link[href="' + stylesheet + '"]')) {
    document.head.appendChild(el("link", { rel: "stylesheet", href: stylesheet }));
  }
  window.LegSymptomWidget = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    restart: restart,
    get socket() { return socket; }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
