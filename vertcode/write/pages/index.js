(function () {
  var table = document.querySelector('table.index'), body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var search = document.getElementById('search'), shown = document.getElementById('shown');
  var selects = ['disposition', 'code', 'flag'].map(function (id) { return document.getElementById(id); });
  // Each row's text, lowered once, cell by cell so no match spans two cells: typing searches
  // 3,000 rows without reading the DOM's text again.
  var texts = new Map(rows.map(function (row) {
    return [row, Array.prototype.map.call(row.cells, function (c) { return c.textContent; }).join('\n').toLowerCase()];
  }));
  var sorted = null;
  // The filter and sort live in this tab's session, so a note page's previous and next links,
  // which come back through this index, walk the list as the reader left it.
  var key = 'vertcode-index:' + location.pathname;

  function has(list, value) {
    return value === '-' ? list === '' : list.split(' ').indexOf(value) >= 0;
  }

  function apply() {
    var query = search.value.trim().toLowerCase(), count = 0;
    var disposition = selects[0].value, code = selects[1].value, flag = selects[2].value;
    rows.forEach(function (row) {
      var keep = (!query || texts.get(row).indexOf(query) >= 0) &&
        (!disposition || row.getAttribute('data-disposition') === disposition) &&
        (!code || has(row.getAttribute('data-codes'), code)) &&
        (!flag || has(row.getAttribute('data-flags'), flag));
      row.hidden = !keep;
      if (keep) count++;
    });
    shown.textContent = count + ' of ' + rows.length + ' notes shown';
    save();
  }

  function sortBy(column, up) {
    var ordered = rows.slice().sort(function (a, b) {
      var x = a.cells[column].getAttribute('data-sort'), y = b.cells[column].getAttribute('data-sort');
      return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
    });
    ordered.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    table.querySelector('th[data-column="' + column + '"]').setAttribute('aria-sort', up ? 'ascending' : 'descending');
    sorted = [column, up];
    save();
  }

  function save() {
    var state = {search: search.value, selects: selects.map(function (s) { return s.value; }), sorted: sorted};
    try { sessionStorage.setItem(key, JSON.stringify(state)); } catch (e) { /* storage off: nothing kept */ }
  }

  function restore() {
    var state = null;
    try { state = JSON.parse(sessionStorage.getItem(key)); } catch (e) { state = null; }
    if (!state) return;
    search.value = state.search || '';
    selects.forEach(function (s, i) { s.value = (state.selects || [])[i] || ''; });
    if (state.sorted) sortBy(state.sorted[0], state.sorted[1]);
  }

  // "#next=PAGE", "#prev=PAGE" from a note page: on to its neighbour in the list as shown
  // (or in the whole list when the filter hides that note); "#at=PAGE" shows the note's row.
  function follow() {
    var asked = /^#(next|prev|at)=(.+)$/.exec(location.hash);
    if (!asked) return;
    var name = decodeURIComponent(asked[2]);
    var linked = Array.prototype.filter.call(body.rows, function (row) { return row.hasAttribute('data-page'); });
    var visible = linked.filter(function (row) { return !row.hidden; });
    var find = function (list) {
      return list.findIndex(function (row) { return row.getAttribute('data-page') === name; });
    };
    var list = find(visible) >= 0 ? visible : linked, at = find(list);
    if (at < 0) return;
    if (asked[1] !== 'at') {
      var next = list[at + (asked[1] === 'next' ? 1 : -1)];
      if (next) { location.replace(next.querySelector('a').href); return; }
      var notice = document.getElementById('notice');
      notice.textContent = 'That was the ' + (asked[1] === 'next' ? 'last' : 'first') + ' note in this list.';
      notice.hidden = false;
    }
    list[at].classList.add('current');
    list[at].scrollIntoView({block: 'center'});
  }

  table.querySelectorAll('th[data-column]').forEach(function (head) {
    head.addEventListener('click', function () {
      sortBy(+head.getAttribute('data-column'), head.getAttribute('aria-sort') !== 'ascending');
    });
  });
  search.addEventListener('input', apply);
  selects.forEach(function (s) { s.addEventListener('change', apply); });
  document.querySelector('form.filters').addEventListener('submit', function (e) { e.preventDefault(); });
  restore();
  apply();
  follow();
})();
