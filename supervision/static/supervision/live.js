/* Live notifications: a websocket per page, a toast per new notification, the badge kept
   current, reconnect with back-off, and catch-up of anything missed while disconnected. */
(function () {
  "use strict";
  var body = document.body;
  var wsPath = body.getAttribute("data-ws");
  if (!wsPath || !window.WebSocket) return;
  var feed = body.getAttribute("data-feed");
  var badge = document.getElementById("unread-badge");
  var toasts = document.getElementById("toasts");
  // Everything up to the id rendered with the page is already counted in the badge.
  var lastId = parseInt(body.getAttribute("data-last-id") || "0", 10);
  var shown = {};
  var delay = 1000;
  var socket;

  function setBadge(n) {
    if (!badge || typeof n !== "number") return;
    badge.textContent = String(n);
    badge.setAttribute("data-count", String(n));
    badge.classList.toggle("empty", n === 0);
  }
  function remember(id) {
    if (id > lastId) { lastId = id; }
  }
  function toast(n) {
    if (shown[n.id]) return;
    shown[n.id] = true;
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
  function handle(n) { toast(n); remember(n.id); }

  function catchUpOverHttp() {
    if (!feed) return;
    fetch(feed + "?after=" + lastId, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (!d) return; d.notifications.forEach(handle); setBadge(d.unread); })
      .catch(function () {});
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + wsPath);
    socket.onopen = function () {
      delay = 1000;
      body.setAttribute("data-live", "connected");
      socket.send(JSON.stringify({ type: "catch_up", after: lastId }));
    };
    socket.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      if (msg.type === "notification") { handle(msg.notification); setBadge(msg.unread); }
      else if (msg.type === "catch_up") { msg.notifications.forEach(handle); setBadge(msg.unread); }
      else if (msg.type === "hello") { setBadge(msg.unread); }
    };
    socket.onclose = function (ev) {
      body.setAttribute("data-live", "disconnected");
      if (ev.code === 4401) return;  // not logged in: do not hammer the server
      setTimeout(function () { catchUpOverHttp(); connect(); }, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
