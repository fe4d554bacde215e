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

  // A page from the shared cache is the same for every browser, so its
  // forms carry an empty CSRF token: ask for this browser's own just before
  // sending. If that fails, takes over 5 s or this browser is too old, the
  // form goes without and the shop offers it again with a token
  // (shop_ext/catalogue/cached_forms.py).
  // Only forms our templates mark with data-shop-csrf (rich text cannot carry
  // it) that go to this site get the token: any other form would send this
  // visitor's power, or their token, where someone else chose.
  var attribute = function (element, name) { return Element.prototype.getAttribute.call(element, name); };
  var goesHere = function (form, button) {
    var action = (button && attribute(button, "formaction")) || attribute(form, "action") || "";
    try { return new URL(action, document.baseURI).origin === window.location.origin; } catch (e) { return false; }
  };
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    // Read through Element.prototype: a field named "getAttribute" or
    // "action" cannot stand in for the form's own.
    if (!(form instanceof HTMLFormElement) || attribute(form, "data-shop-csrf") === null) { return; }
    var field = Element.prototype.querySelector.call(form, "input[name=csrfmiddlewaretoken]");
    if (!field || field.value || event.defaultPrevented || !goesHere(form, button)) { return; }
    if (form.getAttribute("data-token") === "failed") { form.removeAttribute("data-token"); return; }
    // The pressed button must go too ("Save for later" is not "Add to cart").
    if (!window.fetch || !form.requestSubmit || !button) { return; }
    event.preventDefault();
    if (form.getAttribute("data-token") === "asking") { return; }  // a second press: the first one sends
    form.setAttribute("data-token", "asking");
    var sent = false;
    var send = function () {
      if (sent) { return; }
      sent = true;
      if (field.value) { form.removeAttribute("data-token"); } else { form.setAttribute("data-token", "failed"); }
      form.requestSubmit(button);
    };
    window.setTimeout(send, 5000);
    window.fetch(document.body.getAttribute("data-csrf-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (!sent && data && data.token) { field.value = data.token; } })
      .then(send, send);
  });

  ready(function () {
    // A failed form: its error summary is announced (role="alert") and takes
    // the focus; its links move the focus to the field, not just the view.
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        var field = link && document.getElementById(link.getAttribute("href").slice(1));
        if (field) { event.preventDefault(); field.focus(); }
      });
    }

    // The phone menu: the button opens and closes it (shop.css shows
    // ".nav-menu.is-open") and says whether it is open. Escape closes it.
    var toggle = document.querySelector(".nav-toggle[aria-controls]");
    var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (menu) {
      var show = function (open) {
        menu.classList.toggle("is-open", open);
        toggle.setAttribute("aria-expanded", String(open));
      };
      toggle.addEventListener("click", function () { show(!menu.classList.contains("is-open")); });
      menu.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && menu.classList.contains("is-open")) { show(false); toggle.focus(); }
      });
    }

    // Product page: the buy button follows the shown variation, and a
    // download (one copy is all anyone needs) offers no quantity box.
    var form = document.getElementById("add-cart");
    var list = document.getElementById("variations");
    if (form && list) {
      var button = form.querySelector("[name=add_cart]");
      var quantity = form.querySelector("[name=quantity]");
      var quantityGroup = quantity && quantity.closest(".form-field");
      var sync = function () {
        var shown = null;
        Array.prototype.forEach.call(list.children, function (li) {
          if (window.getComputedStyle(li).display !== "none") { shown = li; }
        });
        if (button) {
          var blocked = shown && shown.getAttribute("data-available") === "false";
          button.disabled = !!blocked;
        }
        if (quantityGroup) {
          var download = shown && shown.getAttribute("data-kind") === "download";
          quantityGroup.hidden = !!download;
          if (download) { quantity.value = "1"; }
        }
      };
      // Run after Cartridge's handler has shown the matching variation.
      form.addEventListener("change", function () { window.setTimeout(sync, 0); });
      window.setTimeout(sync, 0);
    }
  });
})();
