/* The category admin page: "This page will list N products", counted again
   while the editor changes the filters or the products chosen by hand,
   before anything is saved (shop_ext/catalogue/admin.py, listed_count_view). */
(function () {
  "use strict";

  function selected(name) {
    // Django's two-box widget keeps the chosen entries in "<name>_to".
    var box = document.getElementById("id_" + name + "_to") || document.getElementById("id_" + name);
    if (!box) return [];
    return Array.prototype.map.call(box.options, function (option) { return option.value; });
  }

  function value(name) {
    var field = document.getElementById("id_" + name);
    return field ? field.value : "";
  }

  function query(page) {
    var params = new URLSearchParams();
    if (page) params.append("page", page);
    selected("options").forEach(function (id) { params.append("options", id); });
    selected("products").forEach(function (id) { params.append("products", id); });
    ["sale", "price_min", "price_max"].forEach(function (name) {
      if (value(name)) params.append(name, value(name));
    });
    var combined = document.getElementById("id_combined");
    if (combined && combined.checked) params.append("combined", "on");
    return params.toString();
  }

  function start() {
    var count = document.getElementById("listed-count");
    if (!count || !count.closest("form")) return;
    var form = count.closest("form");
    var last = null;
    var timer = null;

    function refresh() {
      var current = query(count.dataset.page);
      if (current === last) return;
      last = current;
      fetch(count.dataset.url + "?" + current, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          count.textContent = data ? data.text : "The filters entered cannot be counted yet.";
        });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    }

    // Moving entries between the two boxes fires no change event: clicks count too.
    ["change", "input", "click"].forEach(function (type) { form.addEventListener(type, later); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
