/* Product page format cards: a download (one copy is all anyone needs)
   offers no quantity box. The cards themselves need no script. */
(function () {
  "use strict";
  var form = document.getElementById("add-cart");
  var cards = form && form.querySelector(".format-cards");
  var quantity = form && form.querySelector("[name=quantity]");
  var group = quantity && quantity.closest(".form-field");
  if (!cards || !group) { return; }
  var sync = function () {
    var chosen = cards.querySelector("input[type=radio]:checked");
    var card = chosen && chosen.closest(".format-card");
    var download = !!card && card.getAttribute("data-kind") === "download";
    group.hidden = download;
    if (download) { quantity.value = "1"; }
  };
  cards.addEventListener("change", sync);
  sync();
})();
