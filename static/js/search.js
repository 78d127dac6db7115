// Search enhancements; the search page and the search boxes work without them. Loaded with `defer`, no inline
// script. Listeners sit on the document, so they keep working after htmx swaps the results in.
(function () {
  "use strict";

  // Results page: a tick or a new sort applies at once. htmx handles the form's submit event (hx-get), swaps
  // the form in place and pushes the new URL, so the search stays shareable and focus stays on the checkbox.
  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target.closest && target.closest("form[data-search-form]");
    if (!form || !target.matches('input[type="checkbox"], select')) {
      return;
    }
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });

  // Empty fields (no words, the default sort) stay out of the URL that htmx requests and pushes.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-search-form]")) {
      return;
    }
    var parameters = event.detail.parameters;
    Object.keys(parameters).forEach(function (name) {
      if (parameters[name] === "") {
        delete parameters[name];
      }
    });
  });

  // The facets fold away in a <details> on phones (static/css/portal.css shows them on wide screens whatever its
  // state). A swap brings it back closed: keep it as the person left it, so ticking a box does not fold the list.
  var filtersOpen = null;

  function filters() {
    return document.querySelector("form[data-search-form] details[data-filters]");
  }

  // A browser without ::details-content cannot be made to show a closed <details>: open the filters (here and
  // on the products list) on wide screens.
  function openOnWideScreens() {
    var supported = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
    if (supported || !window.matchMedia("(min-width: 901px)").matches) {
      return;
    }
    document.querySelectorAll("details[data-filters]").forEach(function (details) {
      details.open = true;
    });
  }

  document.addEventListener("DOMContentLoaded", openOnWideScreens);

  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.matches && form.matches("form[data-search-form]")) {
      var details = filters();
      filtersOpen = details ? details.open : null;
    }
  });

  // After a swap, say how many results there are now: a swapped-in heading is not announced by itself.
  document.addEventListener("htmx:afterSettle", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-search-form]")) {
      return;
    }
    var details = filters();
    if (details && filtersOpen) {
      details.open = true;
    }
    openOnWideScreens();
    var heading = document.getElementById("results-heading");
    var status = document.getElementById("search-status");
    if (heading && status) {
      status.textContent = heading.textContent.replace(/\s+/g, " ").trim();
    }
  });

  // Suggestions under a search box ([data-suggest] holding an input and a [data-suggest-list]): Down from the
  // box enters the list, Up and Down move in it, Escape closes it and returns to the box. The list hides
  // when focus leaves the widget and shows again when the box gets focus back.
  function parts(element) {
    var widget = element.closest && element.closest("[data-suggest]");
    if (!widget) {
      return null;
    }
    return {
      widget: widget,
      input: widget.querySelector('input[type="search"]'),
      list: widget.querySelector("[data-suggest-list]"),
    };
  }

  function links(list) {
    return Array.prototype.slice.call(list.querySelectorAll("a"));
  }

  document.addEventListener("keydown", function (event) {
    var p = parts(event.target);
    if (!p || !p.list) {
      return;
    }
    var items = links(p.list);
    var index = items.indexOf(event.target);
    if (event.key === "Escape" && !p.list.hidden && items.length) {
      p.list.hidden = true;
      p.input.focus();
      event.preventDefault();
    } else if (event.key === "ArrowDown" && items.length) {
      p.list.hidden = false;
      items[Math.min(index + 1, items.length - 1)].focus();
      event.preventDefault();
    } else if (event.key === "ArrowUp" && index >= 0) {
      (index === 0 ? p.input : items[index - 1]).focus();
      event.preventDefault();
    }
  });

  document.addEventListener("focusout", function (event) {
    var p = parts(event.target);
    if (p && p.list && !(event.relatedTarget && p.widget.contains(event.relatedTarget))) {
      p.list.hidden = true;
    }
  });

  document.addEventListener("focusin", function (event) {
    var p = parts(event.target);
    // Coming back from outside the widget; Escape's return from the list keeps it closed.
    var from = event.relatedTarget;
    if (p && p.list && event.target === p.input && !(from && p.widget.contains(from))) {
      p.list.hidden = false;
    }
  });

  // A click on a suggestion must not blur the box first: browsers that do not focus links on click (Safari)
  // would hide the list before the click lands.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("[data-suggest-list]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail && event.detail.target;
    if (list && list.matches && list.matches("[data-suggest-list]")) {
      // An answer that arrives after the person has moved on stays hidden.
      var p = parts(list);
      list.hidden = !(p && p.widget.contains(document.activeElement));
    }
  });
})();
