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
 *   data-title         heading of the chat panel (default "Leg symptom guide")
 *   data-open          "true" to start with the panel open (first visit; later visits remember)
 *   data-init-payload  sent, unseen, when a new conversation is first opened (default /greet; "" for none)
 *   data-restart-payload  sent by the "Start over" button (default /restart: Rasa resets the conversation)
 *
 * Protocol: the standard Rasa socket.io one (session_request / session_confirm, user_uttered /
 * bot_uttered with text, quick_replies or buttons, attachment, custom). The session id and the
 * rendered conversation are kept in localStorage, so a reload shows the same conversation and
 * goes on with it. No third-party code here: the socket.io client is loaded from the server
 * (node_modules, via the channel).
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
    title: data.title || "Leg symptom guide",
    open: data.open === "true",
    initPayload: data.initPayload === undefined ? "/greet" : data.initPayload,
    restartPayload: data.restartPayload || "/restart"
  };
  var STORE_KEY = "leg-symptom-widget:" + options.server;
  var MAX_RECORDS = 200;
  var TYPING_TIMEOUT_MS = 45000;
  var RESTART_QUIET_MS = 1500;

  var LEVELS = {
    emergency: { word: "Emergency", title: "Get emergency help now" },
    urgent: { word: "Urgent", title: "See a doctor today" },
    routine: { word: "Routine", title: "Book a doctor's appointment" },
    self_care: { word: "Self-care", title: "Look after it at home" }
  };
  var DISCLAIMER = "This assistant is not a doctor and does not diagnose: it can be wrong. " +
    "In an emergency, call your local emergency number (112, 911, 999...).";

  // --- state: {sessionId, open, greeted, records: [{from, text?, buttons?, custom?, image?}]} ---
  var state = load();
  if (state.open === undefined) state.open = options.open;

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null");
      if (saved && Array.isArray(saved.records)) return saved;
    } catch (e) { /* storage blocked or corrupt: start afresh */ }
    return { sessionId: null, records: [], greeted: false };
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

  // --- the widget's DOM ---
  var ids = { panel: nextId("panel"), title: nextId("title"), input: nextId("input"), log: nextId("log") };
  var launcher = el("button", {
    type: "button", className: "lsg-launcher", "aria-controls": ids.panel, "aria-expanded": "false",
    onclick: function () { setOpen(true); }
  }, [el("span", { className: "lsg-launcher-icon", "aria-hidden": "true", text: "\u{1F4AC}" }), "Chat: " + options.title]);

  var status = el("span", { className: "lsg-status", role: "status", text: "Connecting\u2026" });
  var restartButton = el("button", {
    type: "button", className: "lsg-restart", text: "Start over",
    onclick: function () { restart(); }
  });
  var closeButton = el("button", {
    type: "button", className: "lsg-close", "aria-label": "Close chat", text: "\u00D7",
    onclick: function () { setOpen(false); launcher.focus(); }
  });
  var log = el("div", {
    id: ids.log, className: "lsg-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0"
  });
  var typing = el("div", { className: "lsg-typing", hidden: true }, [
    el("span", { className: "lsg-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
    el("span", { role: "status", text: "The assistant is typing\u2026" })
  ]);
  var input = el("input", {
    id: ids.input, className: "lsg-input", type: "text", autocomplete: "off", maxlength: "1000",
    placeholder: "e.g. my legs shake at night"
  });
  var form = el("form", { className: "lsg-form", onsubmit: onSubmit }, [
    el("label", { "for": ids.input, className: "lsg-visually-hidden", text: "Your message to the assistant" }),
    input,
    el("button", { type: "submit", className: "lsg-send", text: "Send" })
  ]);
  var panel = el("section", {
    id: ids.panel, className: "lsg-panel", "aria-labelledby": ids.title, hidden: true
  }, [
    el("header", { className: "lsg-header" }, [
      el("div", { className: "lsg-heading" }, [
        el("h2", { id: ids.title, className: "lsg-title", text: options.title }), status
      ]),
      restartButton, closeButton
    ]),
    log, typing, form,
    el("p", { className: "lsg-footnote", text: "Not a diagnosis. In an emergency, call your local emergency number." })
  ]);
  var root = el("div", { className: "lsg-root" }, [panel, launcher]);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { setOpen(false); launcher.focus(); }
  });

  // --- rendering ---
  function renderRecord(record, index) {
    if (record.from === "user") {
      return el("div", { className: "lsg-msg lsg-user" }, [hidden("You said: "), el("p", { text: record.text })]);
    }
    if (record.from === "system") {
      return el("div", { className: "lsg-msg lsg-system" }, [el("p", { text: record.text })]);
    }
    var children = [hidden("Assistant: ")];
    if (record.text) children.push(el("p", { text: record.text }));
    if (record.image) children.push(el("img", { src: record.image, alt: "Image from the assistant" }));
    if (record.custom && record.custom.assessment) children.push(renderAssessment(record.custom));
    var node = el("div", { className: "lsg-msg lsg-bot" + (record.custom ? " lsg-has-card" : "") }, children);
    if (record.buttons && record.buttons.length && isLatestBot(index)) {
      node.appendChild(el("div", { className: "lsg-quick-replies", role: "group", "aria-label": "Suggested answers" },
        record.buttons.map(function (b) {
          return el("button", {
            type: "button", className: "lsg-quick-reply", text: b.title,
            onclick: function () { send(b.payload, b.title); }
          });
        })));
    }
    return node;
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
    log.appendChild(renderRecord(record, state.records.length - 1));
    scrollDown();
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function labelOf(map, id) {
    if (map && map[id]) return typeof map[id] === "string" ? map[id] : map[id].name;
    return String(id).replace(/_/g, " ");
  }

  function fitWords(likelihood) {
    if (typeof likelihood !== "number") return "";
    if (likelihood >= 0.6) return "fits well";
    if (likelihood >= 0.3) return "could fit";
    return "less likely";
  }

  function capitalise(text) { return text ? text.charAt(0).toUpperCase() + text.slice(1) : text; }

  function renderAssessment(custom) {
    var a = custom.assessment || {};
    var labels = custom.labels || {};
    var levelId = LEVELS[a.triage] ? a.triage : "routine";
    var level = labels.triage || {};
    var word = LEVELS[levelId].word;
    var headingId = nextId("card");
    var card = el("article", {
      className: "lsg-card lsg-level-" + levelId, "data-triage": levelId, "aria-labelledby": headingId
    }, [
      el("header", { className: "lsg-card-level" }, [
        el("span", { className: "lsg-badge", text: word }),
        el("h3", { id: headingId, className: "lsg-card-title", text: (level.title || LEVELS[levelId].title) })
      ])
    ]);
    var body = el("div", { className: "lsg-card-body" });
    card.appendChild(body);
    if (level.meaning) body.appendChild(el("p", { className: "lsg-card-meaning", text: level.meaning }));
    if (level.what_to_do) {
      body.appendChild(el("p", { className: "lsg-card-route" }, [el("strong", { text: "What to do: " }), level.what_to_do]));
    }

    var flags = Array.isArray(a.red_flags) ? a.red_flags : [];
    if (flags.length) {
      body.appendChild(el("h4", { text: "Warning signs" }));
      body.appendChild(el("ul", { className: "lsg-card-flags" }, flags.map(function (flag) {
        var info = (labels.red_flags || {})[flag.id] || {};
        return el("li", {}, [
          el("strong", { text: capitalise(info.name || labelOf(null, flag.id)) }),
          info.what_to_do && flag.level === "emergency" ? el("span", { text: " \u2014 " + info.what_to_do }) : null
        ]);
      })));
    }

    var causes = Array.isArray(a.causes) ? a.causes : [];
    if (causes.length) {
      body.appendChild(el("h4", { text: "Most consistent with" }));
      body.appendChild(el("ol", { className: "lsg-card-causes" }, causes.map(function (cause) {
        var because = (cause.because || []).map(function (f) { return labelOf(labels.features, f); });
        var against = (cause.against || []).map(function (f) { return labelOf(labels.features, f); });
        var fit = fitWords(cause.likelihood);
        return el("li", { "data-cause": cause.id }, [
          el("strong", { text: capitalise(labelOf(labels.causes, cause.id)) }),
          fit ? el("span", { className: "lsg-fit", text: " (" + fit + ")" }) : null,
          because.length ? el("p", { className: "lsg-why" }, [el("span", { text: "Why: " }), because.join("; ")]) : null,
          against.length ? el("p", { className: "lsg-against" }, [el("span", { text: "Against it: " }), against.join("; ")]) : null
        ]);
      })));
    } else if (!flags.length) {
      body.appendChild(el("p", { text: "No single cause stands out from what you described." }));
    }
    body.appendChild(el("p", { className: "lsg-card-disclaimer", text: labels.disclaimer || DISCLAIMER }));
    return card;
  }

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

  function setStatus(text, kind) {
    status.textContent = text;
    root.setAttribute("data-connection", kind);
  }

  function connect() {
    // `lb`: one random value for every request of this page (the handshake too), so a load
    // balancer can keep socket.io's long-polling requests on one replica (deploy/nginx.conf.template).
    socket = window.io(options.server, {
      path: options.socketPath, reconnectionDelayMax: 5000, query: { lb: balancerKey }
    });
    socket.on("connect", function () {
      setStatus("Connecting\u2026", "connecting");
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", function (sessionId) {
      var id = typeof sessionId === "string" ? sessionId : sessionId && sessionId.session_id;
      if (state.sessionId && id !== state.sessionId) {
        // The server started another conversation: the old history no longer applies.
        state.records = [];
        state.greeted = false;
        renderAll();
      }
      state.sessionId = id;
      save();
      ready = true;
      setStatus("Online", "online");
      while (pending.length) emitMessage(pending.shift());
      greetIfNew();
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function (reason) {
      ready = false;
      setStatus("Reconnecting\u2026", "offline");
      // socket.io retries by itself, except after a disconnect the server asked for.
      if (reason === "io server disconnect") setTimeout(function () { socket.connect(); }, 1000);
    });
    socket.on("connect_error", function () {
      ready = false;
      setStatus("Can't reach the assistant, retrying\u2026", "offline");
    });
  }

  function emitMessage(text) {
    socket.emit("user_uttered", { message: text, session_id: state.sessionId });
  }

  function deliver(text) {
    showTyping(true);
    if (ready) emitMessage(text); else pending.push(text);
  }

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
    if (message.custom && typeof message.custom === "object") record.custom = message.custom;
    var attachment = message.attachment;
    if (attachment && attachment.type === "image" && attachment.payload && attachment.payload.src) {
      record.image = String(attachment.payload.src);
    }
    if (!record.text && !record.buttons && !(record.custom && record.custom.assessment) && !record.image) return;
    showTyping(false);
    append(record);
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

  // Rasa answers /restart with its action_restart: the conversation is reset on the server, and
  // the bot says something only if the domain has an utter_restart response. If nothing comes
  // back soon, greet the new conversation with the init payload.
  var restartTimer = null;
  function restart() {
    state.records = [{ from: "system", text: "New conversation" }];
    state.greeted = true;
    save();
    renderAll();
    deliver(options.restartPayload);
    clearTimeout(restartTimer);
    var mark = state.records.length;
    restartTimer = setTimeout(function () {
      if (state.records.length === mark && options.initPayload) deliver(options.initPayload);
    }, RESTART_QUIET_MS);
    input.focus();
  }

  function setOpen(open, quiet) {
    state.open = open;
    save();
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
    document.body.appendChild(root);
    renderAll();
    setOpen(Boolean(state.open), true);  // no focus stealing on page load
    loadOnce("script", { src: new URL("socket.io.min.js", base).href }, function () { return typeof window.io === "function"; })
      .then(connect)
      .catch(function () { setStatus("Can't load the chat. Please try again later.", "offline"); });
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
