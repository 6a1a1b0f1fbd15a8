// Screen pop: listens to /calls/stream (Server-Sent Events) and shows "a call for you"
// with the caller's card. On the console, an empty phone field gets the caller's
// number (the console then looks the citizen up); a form already in use is never
// touched: the pop's link opens the caller in a new tab instead.
(function () {
  "use strict";
  var box = document.getElementById("screen-pop");
  if (!box || !window.EventSource) return;
  var labels = box.dataset;
  var shown = {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function callUrl(template, id) { return template.replace(/\/0\//, "/" + id + "/"); }

  function consolePhone() {
    var form = document.querySelector("form.console");
    return form ? form.elements.namedItem("phone") : null;
  }

  function fillConsole(call, note) {
    var phone = consolePhone();
    if (!phone || phone.value.trim() || !call.known_number) return;
    fetch(callUrl(labels.callerUrl, call.call_id), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data || !data.phone || phone.value.trim()) return;
      phone.value = data.phone;
      phone.dispatchEvent(new Event("input", { bubbles: true }));
      phone.dispatchEvent(new Event("change", { bubbles: true }));
      note.textContent = labels.labelFilled;
      note.hidden = false;
    }).catch(function () { /* the link still opens the caller */ });
  }

  function render(call) {
    var pop = el("section", { "class": "pop", "data-call-id": String(call.call_id), "role": "alert" });
    pop.appendChild(el("h2", {}, labels.labelTitle));
    pop.appendChild(el("p", { "class": "number" }, call.number || labels.labelUnknownNumber));
    if (!call.citizens.length) pop.appendChild(el("p", {}, labels.labelNoCitizen));
    call.citizens.forEach(function (person) {
      pop.appendChild(el("p", { "class": "name" }, person.full_name +
        (person.district ? " · " + person.district : "")));
      if (!person.open_tickets.length) {
        pop.appendChild(el("p", { "class": "note" }, labels.labelNoOpen));
        return;
      }
      pop.appendChild(el("p", { "class": "note" }, labels.labelOpenTickets));
      var list = el("ul", { "class": "tickets" });
      person.open_tickets.forEach(function (t) {
        var item = el("li");
        item.appendChild(el("span", { "class": "mono" }, t.number));
        item.appendChild(el("span", { "class": "status" }, t.status_label || t.status));
        if (t.topic) item.appendChild(el("span", {}, t.topic));
        list.appendChild(item);
      });
      pop.appendChild(list);
    });
    var note = el("p", { "class": "note filled" });
    note.hidden = true;
    pop.appendChild(note);
    var actions = el("div", { "class": "actions" });
    var open = el("a", { "href": callUrl(labels.openUrl, call.call_id), "class": "button primary" },
      labels.labelOpen);
    if (consolePhone()) { open.setAttribute("target", "_blank"); open.setAttribute("rel", "noopener"); }
    actions.appendChild(open);
    var close = el("button", { "type": "button", "class": "linklike" }, labels.labelClose);
    close.addEventListener("click", function () {
      pop.remove();
      if (!box.children.length) box.hidden = true;
    });
    actions.appendChild(close);
    pop.appendChild(actions);
    box.insertBefore(pop, box.firstChild);
    box.hidden = false;
    fillConsole(call, note);
  }

  var source = new EventSource(labels.streamUrl);
  source.addEventListener("call", function (event) {
    var call;
    try { call = JSON.parse(event.data); } catch (e) { return; }
    if (!call || shown[call.call_id]) return;  // a reconnecting stream repeats recent calls
    shown[call.call_id] = true;
    render(call);
  });
  source.addEventListener("open", function () {
    var offline = box.querySelector(".offline");
    if (offline) offline.remove();
    box.dataset.connected = "1";
  });
  source.addEventListener("error", function () {
    // The stream ends every minute and reconnects by itself; CLOSED means it gave up
    // (logged out, session expired): say so once.
    if (source.readyState !== EventSource.CLOSED || box.querySelector(".offline")) return;
    box.dataset.connected = "";
    box.insertBefore(el("p", { "class": "offline" }, labels.labelOffline), box.firstChild);
    box.hidden = false;
  });
})();
