
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var raw = location.hash.indexOf("=") >= 0 ? location.hash.slice(1) : location.search.slice(1);
  var params = new URLSearchParams(raw);

  function key(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var sort = cell.getAttribute("data-sort");
    return sort !== null ? sort : cell.textContent.trim().toLowerCase();
  }
  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  Array.prototype.forEach.call(document.querySelectorAll(".tablebox"), function (box) {
    var table = box.querySelector("table");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) { row.setAttribute("data-order", String(i)); });
    var input = box.querySelector("input[type=search]");
    var checks = Array.prototype.slice.call(box.querySelectorAll("input[type=checkbox]"));
    var count = box.querySelector("[data-count]");

    function apply() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var on = {};
      checks.forEach(function (c) { on[c.value] = c.checked; });
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var ok = terms.every(function (t) { return text.indexOf(t) >= 0; });
        var sev = row.getAttribute("data-severity");
        if (ok && sev !== null && on[sev] === false) ok = false;
        if (ok && row.getAttribute("data-waived") === "1" && on.waived === false) ok = false;
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown + " of " + rows.length + " shown";
    }

    function sortBy(th, direction) {
      var index = Array.prototype.indexOf.call(th.parentNode.children, th);
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
      rows.slice().sort(function (a, b) {
        return direction * compare(key(a, index), key(b, index)) ||
          Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
      }).forEach(function (row) { body.appendChild(row); });
    }

    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      if (!th.hasAttribute("data-key")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.title = "Sort by " + th.textContent;
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        sortBy(th, th.getAttribute("aria-sort") === "ascending" ? -1 : 1);
      });
    });

    var q = params.get(input.getAttribute("data-param"));
    if (q !== null) input.value = q;
    var sev = params.get("sev");
    if (sev !== null && checks.length) {
      var wanted = sev.toLowerCase().split(",");
      checks.forEach(function (c) { c.checked = wanted.indexOf(c.value) >= 0; });
    }
    var sort = params.get(box.getAttribute("data-sort-param"));
    if (sort) {
      var descending = sort.charAt(0) === "-";
      var th = table.tHead.querySelector('th[data-key="' + sort.replace(/^-/, "").replace(/[^a-z0-9_-]/gi, "") + '"]');
      if (th) sortBy(th, descending ? -1 : 1);
    }
    input.addEventListener("input", apply);
    checks.forEach(function (c) { c.addEventListener("change", apply); });
    apply();
  });
})();
