// Small progressive enhancements; every page works without them. Loaded with `defer`, no inline script.
(function () {
  "use strict";

  // Copy buttons: <button data-copy-target="ID" hidden> copies the text of element ID. Hidden until this runs,
  // so people without JavaScript see only the select-and-copy hint. The status line is the nearest
  // .copy-status inside the button's [data-snippets] box, else the page's one.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return Promise.reject(new Error("clipboard unavailable"));
  }

  function selectContents(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.dataset.copyTarget);
    if (!target) {
      return;
    }
    var box = button.closest("[data-snippets]");
    var status = (box && box.querySelector(".copy-status")) || document.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(target.textContent.trim()).then(
        function () {
          if (status) status.textContent = "Copied to the clipboard.";
        },
        function () {
          selectContents(target);
          if (status) status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
        }
      );
    });
  });

  // Snippets of one port: a row of buttons shows one at a time (all are listed without JavaScript).
  document.querySelectorAll("[data-snippets]").forEach(function (box) {
    var snippets = Array.prototype.slice.call(box.querySelectorAll(".snippet"));
    if (snippets.length < 2) {
      return;
    }
    var row = document.createElement("div");
    row.className = "snippet-tabs";
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "Language");
    var buttons = snippets.map(function (snippet, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary outline";
      button.textContent = snippet.dataset.snippetLabel;
      button.addEventListener("click", function () {
        show(index);
      });
      row.appendChild(button);
      return button;
    });
    function show(chosen) {
      snippets.forEach(function (snippet, index) {
        snippet.hidden = index !== chosen;
        buttons[index].setAttribute("aria-pressed", index === chosen ? "true" : "false");
        buttons[index].className = index === chosen ? "" : "secondary outline";
      });
    }
    box.insertBefore(row, snippets[0]);
    box.setAttribute("data-enhanced", "");
    show(0);
  });

  // The Schema tab's filter: hides the rows whose name, type, classification or description do not match.
  var filter = document.querySelector("[data-schema-filter]");
  if (filter) {
    var input = filter.querySelector("input");
    var status = filter.querySelector("[role=status]");
    var rows = Array.prototype.slice.call(document.querySelectorAll(".schema-table tbody tr"));
    filter.hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var match = words.every(function (word) {
          return text.indexOf(word) !== -1;
        });
        if (match) {
          row.removeAttribute("data-filtered-out");
          shown += 1;
        } else {
          row.setAttribute("data-filtered-out", "");
        }
      });
      status.textContent = words.length ? shown + " of " + rows.length + " fields match." : "";
    });
  }

  // "/" focuses the search box in the header, as on most sites, unless one is typing somewhere already.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var active = document.activeElement;
    var tag = active ? active.tagName : "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (active && active.isContentEditable)) {
      return;
    }
    var search = document.getElementById("site-search-q");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  // Links written before the product page had tabs point at an anchor of the old long page (#reviews):
  // open the tab that holds it.
  var tabs = document.querySelector(".product-tabs[data-anchor-tabs]");
  if (tabs && location.hash.length > 1 && !document.getElementById(location.hash.slice(1))) {
    var map = JSON.parse(tabs.getAttribute("data-anchor-tabs"));
    var tab = map[location.hash.slice(1)];
    var link = tab && tabs.querySelector('a[data-tab="' + tab + '"]');
    if (link) {
      location.replace(link.href + location.hash);
    }
  }
})();
