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
// One button shows the quiet spans' tags too; aria-pressed says which view is on.
var allTags = document.getElementById('all-tags');
if (allTags) {
  allTags.addEventListener('click', function () {
    allTags.setAttribute('aria-pressed', String(document.body.classList.toggle('all-tags')));
  });
}
