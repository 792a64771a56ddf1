// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Times. The server writes them in the zone it knows (a member's chosen zone; UTC for
  // guests): "21 minutes ago", "Today at 7:22 PM", "Friday at…", then the date, with the exact
  // time as the tooltip. Here guests' times are rewritten in the browser's zone, text and
  // tooltip alike, and every relative time keeps ticking while the page stays open. The rules
  // are relative_text's in parley/core/templatetags/parley.py (a test keeps the two in step).
  var RELATIVE_MINUTES_LIMIT = 60;
  var WEEKDAY_DAYS_LIMIT = 7;
  var TICK_MS = 15000;

  function timeFormats() {
    var data = document.body.dataset;
    var zone = data.tz === "member" ? data.tzName : undefined;  // undefined: the browser's
    function fmt(options) {
      return new Intl.DateTimeFormat("en-US", Object.assign({ timeZone: zone }, options));
    }
    try {
      return {
        date: fmt({ year: "numeric", month: "short", day: "numeric" }),
        clock: fmt({ hour: "numeric", minute: "2-digit" }),
        weekday: fmt({ weekday: "long" }),
        day: fmt({ year: "numeric", month: "numeric", day: "numeric" }),
      };
    } catch (e) {
      return null;  // a zone this browser does not know: keep the server's text
    }
  }

  function plain(text) {
    return text.replace(/[\u202f\u00a0]/g, " ");  // some ICU versions space "7:22 PM" narrowly
  }

  // Days since the epoch of the calendar date `when` falls on in the formats' zone.
  function dayNumber(f, when) {
    var parts = {};
    f.day.formatToParts(when).forEach(function (p) { parts[p.type] = p.value; });
    return Math.round(Date.UTC(+parts.year, +parts.month - 1, +parts.day) / 86400000);
  }

  function relativeText(f, when, now) {
    var seconds = (now - when) / 1000;
    if (seconds < 60) return "A moment ago";
    if (seconds < RELATIVE_MINUTES_LIMIT * 60) {
      var minutes = Math.floor(seconds / 60);
      return minutes === 1 ? "1 minute ago" : minutes + " minutes ago";
    }
    var days = dayNumber(f, now) - dayNumber(f, when);
    var clock = plain(f.clock.format(when));
    if (days === 0) return "Today at " + clock;
    if (days === 1) return "Yesterday at " + clock;
    if (days < WEEKDAY_DAYS_LIMIT) return f.weekday.format(when) + " at " + clock;
    return plain(f.date.format(when));
  }

  function localiseTimes(root) {
    if (!window.Intl) return;
    var f = timeFormats();
    if (!f) return;
    var now = new Date();
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      if (el.classList.contains("u-dt")) {
        el.textContent = relativeText(f, when, now);
        el.title = plain(f.date.format(when)) + " at " + plain(f.clock.format(when));
      } else if (el.classList.contains("u-date")) {
        el.textContent = plain(f.date.format(when));
      }
    });
  }

  // The registration form's time zone starts as the browser's (the member can still change it).
  function guessTimeZone() {
    var select = document.querySelector("select[data-guess-zone]");
    if (!select || !window.Intl) return;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) {
        select.value = zone;
        return;
      }
    }
  }

  // "+ Quote" appends the post's quote to the quick reply; "Reply" does the same and jumps there.
  function setupQuotes() {
    var box = document.querySelector("#quick-reply textarea");
    if (!box) return;
    document.addEventListener("click", function (event) {
      var link = event.target.closest(".js-quote, .js-reply");
      if (!link) return;
      event.preventDefault();
      fetch(link.dataset.quoteUrl, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (text) {
          var sep = box.value && !box.value.endsWith("\n") ? "\n" : "";
          box.value += sep + text;
          box.dispatchEvent(new Event("input"));  // the character counter follows
          if (link.classList.contains("js-reply")) {
            box.focus();
            box.scrollIntoView({ block: "center" });
          } else {
            link.textContent = "Quoted ✓";
          }
        })
        .catch(function () { window.location = link.href; });
    });
  }

  // Message length as the server counts it (parley.forums.services.check_body_text): Python's
  // len() of the text without control/bidi characters and surrounding whitespace. len() counts
  // code points, so an emoji is one character here too, never two UTF-16 units (which is what
  // String.length and a textarea's maxlength count).
  var IGNORED = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;
  var PY_SPACE = "[\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  var PY_STRIP = new RegExp("^" + PY_SPACE + "+|" + PY_SPACE + "+$", "g");

  function serverLength(text) {
    return Array.from(text.replace(/\r\n?/g, "\n").replace(IGNORED, "").replace(PY_STRIP, "")).length;
  }

  function setupCounters(root) {
    var numbers = new Intl.NumberFormat("en");
    root.querySelectorAll("textarea[data-max-chars]").forEach(function (box) {
      if (box.dataset.counted) return;
      box.dataset.counted = "1";
      var max = parseInt(box.dataset.maxChars, 10);
      var counter = document.createElement("p");
      counter.className = "help char-count";
      counter.setAttribute("aria-live", "polite");
      box.insertAdjacentElement("afterend", counter);
      function update() {
        var n = serverLength(box.value);
        var over = n > max;
        counter.textContent = numbers.format(n) + " / " + numbers.format(max) + " characters" +
          (over ? " \u2014 " + numbers.format(n - max) + " over the limit" : "");
        counter.classList.toggle("field-error", over);
        counter.dataset.count = String(n);
        counter.dataset.over = over ? "1" : "0";
      }
      box.addEventListener("input", update);
      update();
    });
  }

  // Inline moderation: the bar under the posts (or threads) acts on the ticked boxes, which
  // join its form through their `form` attribute. Without this script the bar is always shown;
  // here it stays hidden until a box is ticked, says how many are, and stays in view at the
  // bottom of the window while more are ticked. Boxes added later (live replies) count too.
  function updateInlineBar(bar) {
    var n = document.querySelectorAll('input.mod-check[form="' + bar.id + '"]:checked').length;
    bar.hidden = n === 0;
    bar.classList.toggle("is-active", n > 0);
    var count = bar.querySelector(".inline-mod-count");
    if (count) {
      count.textContent = n + " selected";
      count.hidden = n === 0;
    }
    var select = bar.querySelector("select[name=action]");
    if (select) {  // the browser's own "Please select an item in the list" says less
      var noun = (bar.dataset.noun || "item") + "s";
      select.setCustomValidity(select.value ? "" : "Choose what to do with the ticked " + noun + ".");
    }
  }

  function setupInlineModeration() {
    var bars = document.querySelectorAll("form.inline-mod");
    if (!bars.length) return;
    function updateAll() { bars.forEach(updateInlineBar); }
    document.addEventListener("change", function (event) {
      var el = event.target;
      var bar = el.matches("input.mod-check[form]") ? document.getElementById(el.getAttribute("form"))
        : el.closest("form.inline-mod");
      if (bar && bar.classList.contains("inline-mod")) updateInlineBar(bar);
    });
    window.addEventListener("pageshow", updateAll);  // what a back/forward visit restored
    document.addEventListener("htmx:afterSwap", updateAll);
    updateAll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    localiseTimes(document);
    setInterval(function () { localiseTimes(document); }, TICK_MS);
    guessTimeZone();
    setupQuotes();
    setupCounters(document);
    setupInlineModeration();
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    localiseTimes(e.target);
    setupCounters(e.target);
  });
})();
