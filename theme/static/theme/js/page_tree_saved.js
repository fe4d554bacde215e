/* A page's admin form: when it is sent, the branches of the page tree that
   lead to the page are added to those the editor has open (Mezzanine's
   page_tree.js keeps their ids, comma-separated, in the cookie
   "mezzanine-admin-tree"), so the tree shown after the save has the page in
   view. The ids come from the form (shop_ext/core/admin_pages.py). */
(function () {
  "use strict";

  var COOKIE = "mezzanine-admin-tree";

  function openIds() {
    var found = document.cookie.split("; ").filter(function (pair) {
      return pair.indexOf(COOKIE + "=") === 0;
    })[0];
    var value = found ? found.slice(COOKIE.length + 1) : "";
    return value ? value.split(",") : [];
  }

  function start() {
    var data = document.getElementById("page-tree-branches");
    if (!data) return;
    var form = data.closest("form");
    form.addEventListener("submit", function () {
      var ids = openIds();
      JSON.parse(data.textContent).forEach(function (id) {
        if (ids.indexOf(String(id)) === -1) ids.push(String(id));
      });
      document.cookie = COOKIE + "=" + ids.join(",") + "; path=/; SameSite=Lax";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
