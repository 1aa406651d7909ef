// Perdure dashboard: the little that is better done in the browser.
// - Live refresh: a page whose <body> has data-refresh fetches itself every few
//   seconds and swaps in the new version of each element marked data-live (the server
//   renders and escapes it, as it does the whole page). It skips a part that holds
//   the focus (someone is typing in it), keeps open <details> open, and stops while
//   the tab is hidden or when refresh is paused.
// - Forms marked data-confirm ask before they are sent (stop, delete).
"use strict";
(function () {
  const body = document.body;
  const every = Number(body.dataset.refresh || 0);
  const toggle = document.getElementById("live-toggle");
  let paused = window.localStorage.getItem("perdure-refresh") === "paused";
  let busy = false;

  function label() {
    if (toggle) toggle.textContent = paused ? "Resume refresh" : "Pause refresh";
  }

  async function refresh() {
    if (busy || paused || document.hidden) return;
    busy = true;
    try {
      const answer = await fetch(window.location.href, {
        headers: { "X-Perdure-Refresh": "1" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!answer.ok || answer.redirected) return;
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      for (const old of document.querySelectorAll("[data-live]")) {
        if (!old.id) continue;
        const replacement = fresh.getElementById(old.id);
        if (!replacement || old.contains(document.activeElement)) continue;
        const open = new Set();
        for (const d of old.querySelectorAll("details[open][id]")) open.add(d.id);
        for (const d of replacement.querySelectorAll("details[id]")) {
          if (open.has(d.id)) d.open = true;
        }
        old.replaceWith(document.importNode(replacement, true));
      }
      if (!fresh.body.dataset.refresh) body.removeAttribute("data-refresh");
    } catch (_) {
      // The server is restarting (perdure dev reloads): try again next time.
    } finally {
      busy = false;
    }
  }

  if (every > 0) {
    if (toggle) {
      toggle.hidden = false;
      label();
      toggle.addEventListener("click", function () {
        paused = !paused;
        window.localStorage.setItem("perdure-refresh", paused ? "paused" : "live");
        label();
      });
    }
    window.setInterval(function () {
      if (body.dataset.refresh) refresh();
    }, every);
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    }
  });
})();
