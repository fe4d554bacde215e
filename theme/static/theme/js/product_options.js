/* Product page without format cards (a product with options, such as a
   size): choosing options shows the matching variation's price and picture,
   and a thumbnail shows its picture large. Replaces Cartridge's
   product_variations.js, which needs jQuery; `window.variations` is set by
   theme/js/shop.js from the page's JSON. */
(function () {
  "use strict";
  var selects = document.querySelectorAll("#add-cart select");
  var variations = window.variations || [];

  var showImage = function (id) {
    var image = document.getElementById(id);
    if (!image) { return; }
    document.querySelectorAll("#product-images-large > li").forEach(function (li) { li.classList.add("is-hidden"); });
    image.classList.remove("is-hidden");
  };

  var choose = function () {
    var matching = variations.filter(function (variation) {
      return Array.prototype.every.call(selects, function (select) {
        var value = variation[select.name];
        return (value === null || value === undefined ? "" : String(value)) === select.value;
      });
    });
    if (matching.length !== 1) { return; }
    document.querySelectorAll("#variations > li").forEach(function (li) {
      li.classList.toggle("is-hidden", li.id !== "variation-" + matching[0].sku);
    });
    showImage("image-" + matching[0].image_id + "-large");
  };

  selects.forEach(function (select) { select.addEventListener("change", choose); });
  if (selects.length) { choose(); }

  document.querySelectorAll("#product-images-thumb a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      showImage(link.id + "-large");
    });
  });
})();
