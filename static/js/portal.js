// Small progressive enhancements; every page works without them. Loaded with `defer`, no inline script.
(function () {
  "use strict";

  // Copy buttons: <button data-copy-target="ID" hidden> copies the text of element ID. Hidden until this runs,
  // so people without JavaScript see only the select-and-copy hint.
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
    var status = document.querySelector(".copy-status");
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
})();
