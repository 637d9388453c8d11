// The page's only script, served from this origin (the CSP allows no inline code).
// Without it every form still works; with it htmx updates the page in place.
(function () {
  "use strict";

  // Keep a count of Content-Security-Policy violations on the page, so the browser
  // tests can assert that nothing the page does is blocked by its own policy.
  document.addEventListener("securitypolicyviolation", function (event) {
    var root = document.documentElement;
    root.dataset.cspViolations = String(Number(root.dataset.cspViolations || 0) + 1);
    root.dataset.cspLast = event.violatedDirective;
  });

  // The server reads due dates in the person's time zone from this cookie.
  var offset = String(-new Date().getTimezoneOffset());
  if (document.cookie.split("; ").indexOf("tz=" + offset) < 0) {
    document.cookie = "tz=" + offset + "; Path=/; SameSite=Strict; Max-Age=31536000";
  }

  // Every htmx request carries the CSRF token from the page's meta tag.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRF-Token"] = meta.content;
    }
  });

  function chatLog() {
    return document.getElementById("chat-log");
  }

  function scrollChat() {
    var log = chatLog();
    if (log) {
      log.scrollTop = log.scrollHeight;
    }
  }

  function isChatForm(element) {
    return element && element.classList && element.classList.contains("js-chat");
  }

  // Show the person's message at once; the server's answer repeats it, and that
  // copy replaces this one in the same frame, so nothing jumps.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!isChatForm(form)) {
      return;
    }
    var input = form.querySelector('[name="message"]');
    var text = input ? input.value.trim() : "";
    var log = chatLog();
    if (!text || !log) {
      return;
    }
    var empty = log.querySelector(".chat-empty");
    if (empty) {
      empty.remove();
    }
    var item = document.createElement("li");
    item.className = "msg from-user pending";
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = text;
    item.appendChild(bubble);
    log.appendChild(item);
    if (form.id === "chat-form" && input) {
      input.value = "";
    }
    scrollChat();
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var log = chatLog();
    if (!log) {
      return;
    }
    var pending = log.querySelectorAll(".msg.pending");
    if (event.detail.target === log) {
      pending.forEach(function (item) { item.remove(); });
    } else if (isChatForm(event.detail.requestConfig && event.detail.requestConfig.elt)) {
      pending.forEach(function (item) { item.classList.remove("pending"); item.classList.add("failed"); });
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === chatLog()) {
      scrollChat();
    }
    // After adding a task the fresh form keeps the keyboard where it was, ready for the next one.
    var swapped = event.detail.elt;
    if (swapped && swapped.id === "add-task") {
      var title = document.getElementById("new-title");
      if (title) {
        title.focus();
      }
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "chat-form") {
      var input = document.getElementById("message");
      if (input) {
        input.focus();
      }
    }
  });

  // The server could not be reached at all (not even an error page came back).
  document.addEventListener("htmx:sendError", function () {
    var flash = document.getElementById("flash");
    if (flash) {
      flash.innerHTML = "";
      var box = document.createElement("div");
      box.className = "flash-box flash-warn";
      box.setAttribute("role", "alert");
      box.textContent = "Cannot reach the server. Check your connection and try again.";
      flash.appendChild(box);
    }
    var log = chatLog();
    if (log) {
      log.querySelectorAll(".msg.pending").forEach(function (item) {
        item.classList.remove("pending");
        item.classList.add("failed");
      });
    }
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-dismiss-flash]");
    if (close) {
      var flash = document.getElementById("flash");
      if (flash) {
        flash.innerHTML = "";
      }
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) {
      event.target.form.submit();
    }
  });

  // Enter sends, Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.id === "message" && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (target.value.trim() && target.form) {
        target.form.requestSubmit();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", scrollChat);
})();
