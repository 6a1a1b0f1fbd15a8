// Operator console: the caller's card from the phone number, the topic picker, keyboard use.
// Loaded with defer after app.js, so the localStorage draft is restored before this runs.
(function () {
  "use strict";

  var form = document.querySelector("form.console");
  if (!form) return;
  var HIM = window.HIM;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function setValue(input, value, eventName) {
    if (!input) return;
    input.value = value == null ? "" : value;
    // Let app.js keep the draft up to date (programmatic changes fire no events).
    input.dispatchEvent(new Event(eventName || "change", { bubbles: true }));
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      });
  }

  // ------------------------------------------------------------------ the caller's card
  var phone = form.elements.namedItem("phone");
  var phoneMsg = document.getElementById("phone-msg");
  var card = document.getElementById("citizen-card");
  var labels = card.dataset;
  var lastLookup = null;
  var lookupSeq = 0;

  function digits(text) { return (text.match(/\d/g) || []).length; }

  function showPhoneError(message) {
    phoneMsg.textContent = message;
    phoneMsg.hidden = !message;
    if (message) {
      phone.setAttribute("aria-invalid", "true");
      phone.setAttribute("aria-describedby", "phone-msg");
    } else if (!document.getElementById("e-phone")) {
      phone.removeAttribute("aria-invalid");
      phone.removeAttribute("aria-describedby");
    }
  }

  function lookup(force) {
    var value = phone.value.trim();
    if (!value) { card.replaceChildren(); showPhoneError(""); lastLookup = null; return Promise.resolve(null); }
    if (!force && value === lastLookup) return Promise.resolve(null);
    lastLookup = value;
    var seq = ++lookupSeq;
    card.replaceChildren(el("p", { "class": "muted" }, labels.labelLoading));
    return getJSON(form.dataset.citizenUrl + "?phone=" + encodeURIComponent(value))
      .then(function (result) {
        if (seq !== lookupSeq) return null;  // a newer lookup is under way
        if (result.status !== 200) {
          card.replaceChildren();
          showPhoneError(result.body.message || labels.labelFailed);
          return null;
        }
        showPhoneError("");
        renderCard(result.body.citizens);
        return result.body.citizens;
      })
      .catch(function () {
        if (seq === lookupSeq) card.replaceChildren(el("p", { "class": "error" }, labels.labelFailed));
        return null;
      });
  }

  function fillFrom(person, overwrite) {
    var fields = { full_name: person.full_name, preferred_channel: person.preferred_channel };
    if (person.email && person.email !== "***") fields.email = person.email;
    Object.keys(fields).forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input && (overwrite || !input.value) && fields[name]) setValue(input, fields[name]);
    });
  }

  function clearPerson() {
    ["full_name", "email", "kimlik_no"].forEach(function (name) {
      setValue(form.elements.namedItem(name), "");
    });
    setValue(form.elements.namedItem("preferred_channel"), "");
  }

  function useAddress(person) {
    if (person.district) setValue(form.elements.namedItem("district"), person.district);
    if (person.neighbourhood) setValue(form.elements.namedItem("neighbourhood"), person.neighbourhood);
    if (person.address) setValue(form.elements.namedItem("address"), person.address);
  }

  function markPicked(node) {
    card.querySelectorAll(".person").forEach(function (p) { p.classList.remove("picked"); });
    if (node) node.classList.add("picked");
  }

  function personNode(person, many) {
    var node = el("div", { "class": "person" });
    node.appendChild(el("div", { "class": "name" }, person.full_name || "—"));
    var facts = [person.phone, person.email, [person.district_name, person.neighbourhood].filter(Boolean).join(" / ")]
      .filter(Boolean).join(" · ");
    if (facts) node.appendChild(el("div", { "class": "muted" }, facts));
    if (person.tickets.length) {
      node.appendChild(el("div", { "class": "muted" }, labels.labelTickets + " (" + person.ticket_count + ")"));
      var list = el("ul", { "class": "tickets" });
      person.tickets.forEach(function (t) {
        var item = el("li", { "class": t.is_open ? "open" : "past" });
        item.appendChild(el("a", { href: t.url, "class": "mono", target: "_blank", rel: "noopener" }, t.number));
        item.appendChild(el("span", { "class": "status status-" + t.status }, t.status_label));
        item.appendChild(el("span", {}, t.topic || t.topic_code || "—"));
        item.appendChild(el("span", { "class": "muted" }, t.created));
        list.appendChild(item);
      });
      node.appendChild(list);
      if (person.ticket_count > person.tickets.length) {
        node.appendChild(el("div", { "class": "muted" },
          labels.labelMore.replace("{n}", person.ticket_count - person.tickets.length)));
      }
    } else {
      node.appendChild(el("div", { "class": "muted" }, labels.labelNoTickets));
    }
    var actions = el("div", { "class": "actions" });
    if (many) {
      var pick = el("button", { type: "button", "class": "pick" }, labels.labelPick);
      pick.addEventListener("click", function () {
        fillFrom(person, true);
        markPicked(node);
        form.elements.namedItem("full_name").focus();
      });
      actions.appendChild(pick);
    }
    if (person.district || person.address) {
      var addr = el("button", { type: "button", "class": "use-address" }, labels.labelUseAddress);
      addr.addEventListener("click", function () { useAddress(person); });
      actions.appendChild(addr);
    }
    node.appendChild(actions);
    return node;
  }

  function newPersonButton() {
    var button = el("button", { type: "button", "class": "new-person" }, labels.labelNewPerson);
    button.addEventListener("click", function () {
      clearPerson();
      markPicked(null);
      form.elements.namedItem("full_name").focus();
    });
    return button;
  }

  function renderCard(citizens) {
    card.replaceChildren();
    if (!citizens.length) {
      card.appendChild(el("p", { "class": "new-citizen" }, labels.labelNew));
      card.appendChild(el("p", { "class": "muted" }, labels.labelNewHint));
      return;
    }
    var many = citizens.length > 1;
    if (many) card.appendChild(el("p", { "class": "muted" }, labels.labelMany));
    citizens.forEach(function (person) { card.appendChild(personNode(person, many)); });
    var bottom = el("div", { "class": "actions" });
    bottom.appendChild(newPersonButton());
    card.appendChild(bottom);
    if (!many) {
      fillFrom(citizens[0], false);  // the usual case: fill the blanks, keep what was typed
      markPicked(card.querySelector(".person"));
    }
  }

  var lookupSoon = HIM.debounce(function () { lookup(false); }, 350);
  phone.addEventListener("input", function () {
    if (digits(phone.value) >= 10) lookupSoon();
  });
  phone.addEventListener("change", function () { lookup(false); });
  phone.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();  // Enter here looks the caller up; it does not submit the form
    lookup(true).then(function (citizens) {
      if (!citizens) return;
      var first = card.querySelector("button.pick");
      (first || form.elements.namedItem("full_name")).focus();
    });
  });

  // ------------------------------------------------------------------ the topic picker
  var topic = form.elements.namedItem("topic_code");
  var listbox = document.getElementById("topic-list");
  var chosen = document.getElementById("topic-chosen");
  var hits = [];
  var active = -1;
  var topicSeq = 0;

  function describe(hit) { return hit.name + " → " + hit.department; }

  function closeList() {
    listbox.hidden = true;
    topic.setAttribute("aria-expanded", "false");
    topic.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(index) {
    var options = listbox.querySelectorAll("[role=option]");
    if (!options.length) return;
    active = (index + options.length) % options.length;
    options.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
    topic.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function choose(index) {
    var hit = hits[index];
    if (!hit) return;
    setValue(topic, hit.code);
    chosen.textContent = describe(hit);
    closeList();
  }

  function renderList() {
    listbox.replaceChildren();
    if (!hits.length) {
      listbox.appendChild(el("li", { "class": "none", role: "presentation" }, listbox.dataset.labelNone));
    }
    hits.forEach(function (hit, index) {
      var option = el("li", { role: "option", id: "topic-option-" + index, "aria-selected": "false", "data-code": hit.code });
      option.appendChild(el("span", { "class": "code" }, hit.code));
      option.appendChild(el("span", { "class": "name" }, hit.name));
      option.appendChild(el("span", { "class": "dept" }, hit.department));
      option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
      listbox.appendChild(option);
    });
    listbox.hidden = false;
    topic.setAttribute("aria-expanded", "true");
    active = -1;
    if (hits.length) setActive(0);
  }

  function searchTopics() {
    var q = topic.value.trim();
    var seq = ++topicSeq;
    if (!q) { hits = []; closeList(); return Promise.resolve(); }
    return getJSON(form.dataset.topicsUrl + "?q=" + encodeURIComponent(q)).then(function (result) {
      if (seq !== topicSeq || document.activeElement !== topic) return;
      hits = result.body.results || [];
      renderList();
    }).catch(function () { /* the operator can still type a code */ });
  }

  var searchSoon = HIM.debounce(searchTopics, 150);
  topic.addEventListener("input", function (event) {
    if (!event.isTrusted) return;
    chosen.textContent = "";
    searchSoon();
  });
  topic.addEventListener("keydown", function (event) {
    var open = !listbox.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) { searchTopics(); return; }
      setActive(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && open) {
      event.preventDefault();  // Enter picks the topic; it does not submit the form
      if (hits.length) choose(active < 0 ? 0 : active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      event.stopPropagation();
      closeList();
    } else if (event.key === "Tab" && open) {
      closeList();
    }
  });
  topic.addEventListener("blur", function () { setTimeout(closeList, 150); });

  function labelChosenTopic() {
    var code = topic.value.trim();
    if (!code || chosen.textContent.trim()) return;
    getJSON(form.dataset.topicsUrl + "?q=" + encodeURIComponent(code)).then(function (result) {
      var hit = (result.body.results || [])[0];
      if (hit && hit.code === topic.value.trim()) chosen.textContent = describe(hit);
    }).catch(function () { /* only a label */ });
  }

  // ------------------------------------------------------------------ the whole form
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.getElementById("clear-form").addEventListener("click", function () {
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.type === "hidden" || input.type === "submit" || input.type === "button") return;
      if (input.type === "checkbox") input.checked = false;
      else if (input.tagName === "SELECT") input.selectedIndex = 0;
      else input.value = "";
    });
    try { localStorage.removeItem("himcrm-draft:" + form.dataset.autosave); } catch (e) { /* ignore */ }
    card.replaceChildren();
    chosen.textContent = "";
    showPhoneError("");
    lastLookup = null;
    phone.focus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var invalid = form.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
    if (phone.value.trim()) lookup(true);  // a screen pop, a restored draft or a re-shown form
    labelChosenTopic();
  });
})();
