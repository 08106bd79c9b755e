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
        markDraftSent(form);
      });
    });

    // Never lose what was typed: keep a draft of marked forms in this browser tab
    // (sessionStorage), for this account only, until the form is saved. Passwords,
    // tokens and health data are never kept; « Annuler » and logging out discard drafts.
    forgetOtherAccountsDrafts();
    document.querySelectorAll("form[data-keep-draft]").forEach(restoreDraft);
    forgetSavedDrafts();
    document.querySelectorAll("form[data-logout]").forEach(function (form) {
      form.addEventListener("submit", forgetAllDrafts);
    });

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
          fetch(url + "?q=" + encodeURIComponent(q), FOND)
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

    // A household: the members take the référent's nom unless another one is typed.
    document.querySelectorAll("form[data-dup-url]").forEach(function (form) {
      var noms = form.querySelectorAll("[data-dup-nom]");
      if (noms.length < 2) { return; }
      var previous = noms[0].value;
      noms[0].addEventListener("input", function () {
        for (var i = 1; i < noms.length; i++) {
          if (noms[i].value === "" || noms[i].value === previous) { noms[i].value = noms[0].value; }
        }
        previous = noms[0].value;
      });
    });

    // The desk prints a badge without leaving the page: its PDF loads in a frame.
    document.querySelectorAll("iframe[data-print-on-load]").forEach(function (frame) {
      frame.addEventListener("load", function () {
        try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (e) { /* the link stays */ }
        // Printed (print() returns once the dialog is closed): the next person is typed at
        // once, not into the frame.
        window.focus();
        var next = document.querySelector("[autofocus]");
        if (next) { next.focus(); }
        frame.setAttribute("data-imprime", "1");
      });
    });

    // « Imprimer » buttons (a DICRIM page, a map): the browser's print dialog.
    document.querySelectorAll("[data-imprimer]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });

    // Live boards: fetch the board again every few seconds, without reloading the page.
    document.querySelectorAll("[data-refresh-url]").forEach(function (zone) {
      var url = zone.getAttribute("data-refresh-url");
      var seconds = parseInt(zone.getAttribute("data-refresh-seconds") || "10", 10);
      // A form opened or typed into inside the board (judging a row by hand) is not wiped
      // by the next refresh: the board waits until it is closed or sent.
      var typed = false;
      zone.addEventListener("input", function () { typed = true; });
      setInterval(function () {
        if (zone.contains(document.activeElement) && document.activeElement.tagName !== "BODY") {
          return; // someone is about to click: do not pull the button from under them
        }
        if (typed || zone.querySelector("details[open]")) { return; }
        if (zone.dataset.ended === "1") { return; }
        // Said to the server: a board's own refresh is not someone using the application
        // (it must not keep a session alive forever, but on a declared wall display).
        fetch(url, { credentials: "same-origin",
                     headers: { "X-Crise-Fond": "1", "X-Crise-Rafraichissement": "1" } })
          .then(function (r) {
            if (r.status === 401 || (r.redirected && r.url.indexOf("/auth/connexion") !== -1)) {
              sessionEnded(zone);
              return null;
            }
            return r.ok ? r.text() : null;
          })
          .then(function (html) {
            if (html !== null && html !== undefined) {
              zone.innerHTML = html;
              zone.dispatchEvent(new CustomEvent("crise:refreshed"));
            }
          })
          .catch(function () { /* offline: keep the last board */ });
      }, seconds * 1000);
    });

    // A search that answers while typing (the directory at 3 a.m.): the list below the
    // form is fetched again a moment after each key, the address bar follows.
    document.querySelectorAll("form[data-live-search]").forEach(function (form) {
      var target = document.getElementById(form.getAttribute("data-live-target"));
      var timer = null;
      var last = "";
      function run() {
        var params = new URLSearchParams(new FormData(form));
        var query = params.toString();
        if (query === last) { return; }
        last = query;
        window.history.replaceState(null, "", "?" + query);
        params.set("partiel", "1");
        fetch(form.getAttribute("data-live-search") + "?" + params.toString(), FOND)
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html !== null && query === last) { target.innerHTML = html; }
          })
          .catch(function () { /* offline: the button still sends the form */ });
      }
      form.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(run, 150);
      });
      form.addEventListener("change", function () { clearTimeout(timer); run(); });
    });

    // Boards of the cellule: the whole page comes again every minute, unless someone is
    // typing in it (a field has the focus, or something was typed and not sent).
    var every = parseInt(document.body.getAttribute("data-page-refresh") || "0", 10);
    // Not the answer to a post (an error shown): reloading it would send the post again.
    if (every > 0 && !document.body.hasAttribute("data-posted")) {
      var typed = false;
      document.addEventListener("input", function () { typed = true; });
      var reload = function () {
        var active = document.activeElement;
        var busy = active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
        if (typed || busy || document.hidden) { setTimeout(reload, every * 1000); return; }
        document.cookie = "crise_auto=1; path=/; max-age=30; SameSite=Strict";
        window.location.reload();
      };
      setTimeout(reload, every * 1000);
    }

    // A queue that signals its new rows, and counts them in the tab's title.
    document.querySelectorAll("[data-new-rows]").forEach(function (zone) {
      var selector = zone.getAttribute("data-new-rows");
      var title = document.title;
      var seen = {};
      var fresh = {};
      function ids() {
        return Array.prototype.map.call(zone.querySelectorAll(selector), function (row) {
          return row.getAttribute("data-demande");
        });
      }
      ids().forEach(function (id) { seen[id] = true; });
      function mark() {
        var count = 0;
        zone.querySelectorAll(selector).forEach(function (row) {
          var id = row.getAttribute("data-demande");
          if (!seen[id]) { fresh[id] = true; seen[id] = true; }
          if (fresh[id]) { row.classList.add("row--new"); count++; }
        });
        document.title = count ? "(" + count + ") " + title : title;
      }
      function acknowledge() { fresh = {}; mark(); }
      zone.addEventListener("crise:refreshed", mark);
      zone.addEventListener("click", acknowledge);
      window.addEventListener("focus", function () { setTimeout(acknowledge, 4000); });
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

  // The session ended (inactivity, logout elsewhere): say it where the board was, and
  // offer to log in again, instead of filling the board with the login page.
  function sessionEnded(zone) {
    zone.dataset.ended = "1";
    var box = document.createElement("div");
    box.className = "alert alert--danger";
    box.setAttribute("role", "alert");
    box.setAttribute("data-testid", "session-terminee");
    box.textContent = "Votre session a pris fin : ces informations ne se mettent plus à jour. ";
    var link = document.createElement("a");
    link.className = "button button--primary";
    link.href = "/auth/connexion?next=" + encodeURIComponent(window.location.pathname +
                                                             window.location.search);
    link.textContent = "Se reconnecter";
    box.appendChild(link);
    zone.insertBefore(box, zone.firstChild);
  }

  // A fetch made by the page itself: once the session has ended the server answers it 401,
  // with no message taken from the login page and no cookie written over a new session.
  var FOND = { credentials: "same-origin", headers: { "X-Crise-Fond": "1" } };

  var DRAFT = "crise-draft:";

  function draftStore() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  function scope() { return document.body.getAttribute("data-draft-scope") || ""; }

  function draftKey(form) { return DRAFT + scope() + ":" + form.getAttribute("data-keep-draft"); }

  function draftKeys() {
    var store = draftStore();
    var keys = [];
    if (!store) { return keys; }
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(DRAFT) === 0) { keys.push(key); }
    }
    return keys;
  }

  function readDraft(key) {
    try { return JSON.parse(draftStore().getItem(key)); } catch (e) { return null; }
  }

  function removeDraft(key) {
    try { draftStore().removeItem(key); } catch (e) { /* ignore */ }
  }

  // Another account logged in on this browser: what the previous one typed is not theirs.
  function forgetOtherAccountsDrafts() {
    if (!scope()) { return; } // the login page: the account is not known yet
    draftKeys().forEach(function (key) {
      if (key.indexOf(DRAFT + scope() + ":") !== 0) { removeDraft(key); }
    });
  }

  // A form was sent and this page is not that form any more: it was saved.
  function forgetSavedDrafts() {
    if (!scope()) { return; }
    var here = {};
    document.querySelectorAll("form[data-keep-draft]").forEach(function (form) {
      here[draftKey(form)] = true;
    });
    draftKeys().forEach(function (key) {
      var draft = readDraft(key);
      if (!here[key] && draft && draft.sent) { removeDraft(key); }
    });
  }

  function forgetAllDrafts() { draftKeys().forEach(removeDraft); }

  function keptFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.name !== "jeton" &&
        el.type !== "password" && el.type !== "hidden" && el.type !== "submit" &&
        !el.hasAttribute("data-no-draft");
    });
  }

  function restoreDraft(form) {
    var key = draftKey(form);
    var hasErrors = form.querySelector(".field--error") || document.querySelector(".form-errors");
    var draft = scope() ? readDraft(key) : null;
    var afterLogin = /[?&]brouillon=1(&|$)/.test(window.location.search);
    form.querySelectorAll("[data-discard-draft]").forEach(function (link) {
      link.addEventListener("click", function () { removeDraft(key); });
    });
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
    if (!draft) { return; }
    // The server answered the post with this form (an error, a row added): it gave back
    // what was typed; typing again keeps a new draft.
    if (hasErrors || document.body.hasAttribute("data-posted")) { removeDraft(key); return; }
    // Sent, and this page is not the answer to a post, nor the way back after a login: it
    // was saved (the page the save led to shows the form anew).
    if (draft.sent && !afterLogin) { removeDraft(key); return; }
    var values = draft.values || {};
    keptFields(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values[el.name].indexOf(el.value) !== -1;
      } else {
        el.value = values[el.name][0] || "";
      }
    });
    var note = document.createElement("p");
    note.className = "hint-box draft-note";
    note.setAttribute("role", "status");
    note.textContent = "Saisie non enregistrée restaurée (gardée dans cet onglet pour votre " +
      "compte seulement). Vérifiez-la puis enregistrez. ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button button--ghost";
    discard.textContent = "Abandonner cette saisie";
    discard.addEventListener("click", function () {
      removeDraft(key);
      window.location.replace(window.location.pathname);
    });
    note.appendChild(discard);
    form.insertBefore(note, form.firstChild);
  }

  function saveDraft(form) {
    if (!scope()) { return; }
    var values = {};
    keptFields(form).forEach(function (el) {
      values[el.name] = values[el.name] || [];
      if ((el.type === "checkbox" || el.type === "radio")) {
        if (el.checked) { values[el.name].push(el.value); }
      } else {
        values[el.name].push(el.value);
      }
    });
    var draft = { values: values, sent: false };
    try { draftStore().setItem(draftKey(form), JSON.stringify(draft)); } catch (e) { /* full or disabled */ }
  }

  function markDraftSent(form) {
    if (!form.hasAttribute("data-keep-draft") || !scope()) { return; }
    saveDraft(form);
    var key = draftKey(form);
    var draft = readDraft(key);
    if (draft) {
      draft.sent = true;
      try { draftStore().setItem(key, JSON.stringify(draft)); } catch (e) { /* ignore */ }
    }
  }
})();
