document.querySelectorAll('[data-spans]').forEach(function (item) {
  var ids = item.getAttribute('data-spans').split(' ').filter(Boolean);
  function mark(on) {
    ids.forEach(function (id) {
      document.querySelectorAll('[data-span~="' + id + '"]').forEach(function (el) {
        el.classList.toggle('active', on);
      });
    });
  }
  item.addEventListener('mouseenter', function () { mark(true); });
  item.addEventListener('mouseleave', function () { if (!item.classList.contains('pinned')) mark(false); });
  item.addEventListener('click', function () {
    item.classList.toggle('pinned');
    mark(item.classList.contains('pinned'));
  });
});
