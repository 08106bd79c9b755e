/* « crise » — small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // Move keyboard focus to the error summary, or to the first field in error.
    var summary = document.querySelector("[data-focus-on-load]");
    var firstError = document.querySelector(".field--error input, .field--error select, .field--error textarea");
    if (firstError) { firstError.focus(); } else if (summary) { summary.focus(); }

    // One click, one submission: disable the button once the form is sent.
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var message = form.getAttribute("data-confirm");
        if (message && !window.confirm(message)) { event.preventDefault(); return; }
        if (form.dataset.sent === "1") { event.preventDefault(); return; }
        form.dataset.sent = "1";
        form.querySelectorAll("button[type=submit][data-once]").forEach(function (button) {
          button.setAttribute("aria-disabled", "true");
          button.classList.add("is-sending");
          setTimeout(function () { button.disabled = true; }, 0);
        });
        clearDraft(form);
      });
    });

    // Never lose what was typed: keep a draft of marked forms in this browser
    // until the form is sent (passwords and tokens are never kept).
    document.querySelectorAll("form[data-keep-draft]").forEach(restoreDraft);

    // While a name is typed at the desk, show people already registered who look alike.
    document.querySelectorAll("form[data-dup-url]").forEach(function (form) {
      var url = form.getAttribute("data-dup-url");
      form.querySelectorAll("fieldset").forEach(function (fieldset) {
        var nom = fieldset.querySelector("[data-dup-nom]");
        var prenom = fieldset.querySelector("[data-dup-prenom]");
        var box = fieldset.querySelector(".dup-suggestions");
        if (!nom || !box) { return; }
        var timer = null;
        var last = "";
        function lookup() {
          var q = (nom.value + " " + (prenom ? prenom.value : "")).trim();
          if (q === last) { return; }
          last = q;
          if (q.length < 2) { box.innerHTML = ""; return; }
          fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
            .then(function (r) { return r.ok ? r.text() : ""; })
            .then(function (html) { if (q === last) { box.innerHTML = html; } })
            .catch(function () { /* offline: the desk keeps typing */ });
        }
        [nom, prenom].forEach(function (input) {
          if (!input) { return; }
          input.addEventListener("input", function () {
            clearTimeout(timer);
            timer = setTimeout(lookup, 250);
          });
        });
      });
    });

    // Live boards: fetch the board again every few seconds, without reloading the page.
    document.querySelectorAll("[data-refresh-url]").forEach(function (zone) {
      var url = zone.getAttribute("data-refresh-url");
      var seconds = parseInt(zone.getAttribute("data-refresh-seconds") || "10", 10);
      setInterval(function () {
        if (zone.contains(document.activeElement) && document.activeElement.tagName !== "BODY") {
          return; // someone is about to click: do not pull the button from under them
        }
        fetch(url, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) { if (html !== null) { zone.innerHTML = html; } })
          .catch(function () { /* offline: keep the last board */ });
      }, seconds * 1000);
    });

    // Show a hint only while a radio choice applies (data-show-when="name!=value").
    document.querySelectorAll("[data-show-when]").forEach(function (el) {
      var rule = el.getAttribute("data-show-when").split("!=");
      var radios = document.querySelectorAll("input[name='" + rule[0] + "']");
      function update() {
        var checked = document.querySelector("input[name='" + rule[0] + "']:checked");
        el.hidden = !checked || checked.value === rule[1];
      }
      radios.forEach(function (r) { r.addEventListener("change", update); });
      update();
    });
  });

  // Back from the next page (back-forward cache): the form may be sent again; the server
  // recognises a form it has already received and creates nothing twice.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        button.classList.remove("is-sending");
      });
    });
  });

  function draftKey(form) { return "crise-draft:" + form.getAttribute("data-keep-draft"); }

  function keptFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.name !== "jeton" &&
        el.type !== "password" && el.type !== "hidden" && el.type !== "submit";
    });
  }

  function restoreDraft(form) {
    var hasErrors = form.querySelector(".field--error") || document.querySelector(".form-errors");
    var raw = null;
    try { raw = window.localStorage.getItem(draftKey(form)); } catch (e) { return; }
    if (raw && !hasErrors) {
      var draft = JSON.parse(raw);
      keptFields(form).forEach(function (el) {
        if (!(el.name in draft)) { return; }
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = draft[el.name].indexOf(el.value) !== -1;
        } else {
          el.value = draft[el.name][0] || "";
        }
      });
      var note = document.createElement("p");
      note.className = "hint-box draft-note";
      note.setAttribute("role", "status");
      note.textContent = "Brouillon non envoyé restauré (saisi sur ce poste). ";
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "button button--ghost";
      discard.textContent = "Abandonner le brouillon";
      discard.addEventListener("click", function () {
        try { window.localStorage.removeItem(draftKey(form)); } catch (e) { /* ignore */ }
        window.location.reload();
      });
      note.appendChild(discard);
      form.insertBefore(note, form.firstChild);
    }
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
  }

  function saveDraft(form) {
    var draft = {};
    keptFields(form).forEach(function (el) {
      draft[el.name] = draft[el.name] || [];
      if ((el.type === "checkbox" || el.type === "radio")) {
        if (el.checked) { draft[el.name].push(el.value); }
      } else {
        draft[el.name].push(el.value);
      }
    });
    try { window.localStorage.setItem(draftKey(form), JSON.stringify(draft)); } catch (e) { /* full or disabled */ }
  }

  function clearDraft(form) {
    if (!form.hasAttribute("data-keep-draft")) { return; }
    try { window.localStorage.removeItem(draftKey(form)); } catch (e) { /* ignore */ }
  }
})();
