/* Checkout: the order summary is folded on a phone (above the form) and
   open on a wide screen (the sidebar). Without this script it stays folded
   and opens on a tap. */
(function () {
  "use strict";
  var wide = window.matchMedia && window.matchMedia("(min-width: 992px)");
  if (!wide || !wide.matches) { return; }
  var summaries = document.querySelectorAll("details[data-open-wide]");
  for (var i = 0; i < summaries.length; i++) { summaries[i].open = true; }
})();
