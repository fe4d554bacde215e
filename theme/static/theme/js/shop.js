/* Paper & Pixel Books: small progressive enhancements. No inline scripts:
   everything the pages need is read from data in the markup. */
(function () {
  "use strict";
  document.documentElement.className += " js";

  // Cartridge's product_variations.js expects a global `variations`; the
  // product page ships it as <script type="application/json">.
  var data = document.getElementById("variations-data");
  if (data) {
    try { window.variations = JSON.parse(data.textContent); } catch (e) { window.variations = []; }
  }

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // Category sorting: change the order as soon as a key is picked.
    var sort = document.querySelector(".product-sorting select");
    if (sort) {
      sort.addEventListener("change", function () { sort.form.submit(); });
    }

    // Product page: the buy button follows the shown variation.
    var form = document.getElementById("add-cart");
    var list = document.getElementById("variations");
    if (form && list) {
      var button = form.querySelector("[name=add_cart]");
      var sync = function () {
        var shown = null;
        Array.prototype.forEach.call(list.children, function (li) {
          if (window.getComputedStyle(li).display !== "none") { shown = li; }
        });
        if (button) {
          var blocked = shown && shown.getAttribute("data-available") === "false";
          button.disabled = !!blocked;
        }
      };
      // Run after Cartridge's handler has shown the matching variation.
      form.addEventListener("change", function () { window.setTimeout(sync, 0); });
      window.setTimeout(sync, 0);
    }
  });
})();
