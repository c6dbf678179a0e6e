/* Live notifications: a websocket per page, a toast per new notification, the badge kept
   current, reconnect with back-off, and catch-up of anything missed.

   Every notification carries the user's own running number (seq: 1, 2, 3 …). ``lastSeq`` is
   the highest number up to which everything has been seen. A push whose seq jumps past
   lastSeq + 1 means one was lost on the way (pushes are at-most-once): fetch what is missing.
   A quiet period (no message for data-quiet-ms, default 5 minutes) also triggers a fetch, so a
   lost push is found even when nothing follows it. */
(function () {
  "use strict";
  var body = document.body;
  var wsPath = body.getAttribute("data-ws");
  if (!wsPath || !window.WebSocket) return;
  var feed = body.getAttribute("data-feed");
  var badge = document.getElementById("unread-badge");
  var toasts = document.getElementById("toasts");
  // Everything up to the seq rendered with the page is already counted in the badge.
  var lastSeq = parseInt(body.getAttribute("data-last-seq") || "0", 10) || 0;
  var quietMs = parseInt(body.getAttribute("data-quiet-ms") || "300000", 10) || 300000;
  var FEED_LIMIT = 50;
  var shown = {};
  var delay = 1000;
  var socket, quietTimer;
  var fetching = false, fetchAgain = false;

  // Unread counts stop at the cap (notify.UNREAD_CAP): at the cap the badge says "99+".
  var badgeCap = badge ? parseInt(badge.getAttribute("data-cap") || "100", 10) || 100 : 100;

  function setBadge(n) {
    if (!badge || typeof n !== "number") return;
    badge.textContent = n >= badgeCap ? String(badgeCap - 1) + "+" : String(n);
    badge.setAttribute("data-count", String(n));
    badge.classList.toggle("empty", n === 0);
  }
  function toast(n) {
    if (shown[n.id]) return;
    shown[n.id] = true;
    if (!toasts) return;
    var el = document.createElement("div");
    el.className = "toast";
    el.setAttribute("role", "status");
    el.setAttribute("data-notification-id", String(n.id));
    if (n.url) {
      var a = document.createElement("a");
      a.href = n.url; a.textContent = n.message; el.appendChild(a);
    } else { el.textContent = n.message; }
    toasts.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }
  function seqOf(n) { return typeof n.seq === "number" ? n.seq : 0; }

  // One pushed notification: show it; advance lastSeq only over an unbroken run.
  function pushed(n) {
    toast(n);
    var s = seqOf(n);
    if (s === lastSeq + 1) { lastSeq = s; }
    else if (s > lastSeq + 1) { catchUp(); }  // a gap: something before it never arrived
  }

  // Fetch everything after lastSeq (oldest first, FEED_LIMIT at a time) over HTTP.
  function catchUp() {
    if (!feed) return;
    if (fetching) { fetchAgain = true; return; }
    fetching = true;
    body.setAttribute("data-catching-up", "1");
    fetch(feed + "?after_seq=" + lastSeq, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        fetching = false;
        body.removeAttribute("data-catching-up");
        if (!d) return;
        d.notifications.forEach(function (n) {
          toast(n);
          if (seqOf(n) > lastSeq) { lastSeq = seqOf(n); }
        });
        setBadge(d.unread);
        body.setAttribute("data-last-seq", String(lastSeq));
        if (fetchAgain || d.notifications.length >= FEED_LIMIT) { fetchAgain = false; catchUp(); }
      })
      .catch(function () { fetching = false; body.removeAttribute("data-catching-up"); });
  }

  function quiet() {
    if (quietTimer) clearTimeout(quietTimer);
    quietTimer = setTimeout(function () { catchUp(); quiet(); }, quietMs);
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + wsPath);
    socket.onopen = function () {
      delay = 1000;
      body.setAttribute("data-live", "connected");
      quiet();
    };
    socket.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      quiet();
      if (msg.type === "notification") {
        pushed(msg.notification);
        setBadge(msg.unread);
        body.setAttribute("data-last-seq", String(lastSeq));
      } else if (msg.type === "hello") {
        setBadge(msg.unread);
        if (typeof msg.seq === "number" && msg.seq > lastSeq) { catchUp(); }  // missed while away
      }
    };
    socket.onclose = function (ev) {
      body.setAttribute("data-live", "disconnected");
      if (quietTimer) clearTimeout(quietTimer);
      if (ev.code === 4401) return;  // not logged in: do not hammer the server
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
