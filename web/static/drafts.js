// gradflow: keeps what is typed in a project's action forms in this tab's
// sessionStorage, so that uploading an evidence file (which reloads the
// page) or any other form sent from the page never loses a half-written
// answer. A draft fills only fields the page left empty, and is forgotten
// when its own form is sent. Without JavaScript the page works as before.
(function () {
  'use strict';
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) { return; }
  var forms = document.querySelectorAll('form[action$="/act"]');
  var kept = function (el) {
    return el.name && el.name.indexOf('f.') === 0 || el.name === 'comment';
  };
  Array.prototype.forEach.call(forms, function (form) {
    var key = 'gradflow-draft:' + location.pathname + ':' + form.id;
    var draft = {};
    try { draft = JSON.parse(store.getItem(key) || '{}') || {}; } catch (e) { draft = {}; }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el) || !(el.name in draft)) { return; }
      if (el.type === 'radio') {
        var group = form.querySelectorAll('input[type=radio]');
        var any = Array.prototype.some.call(group, function (r) { return r.name === el.name && r.checked; });
        if (!any && el.value === draft[el.name]) { el.checked = true; }
      } else if (el.type !== 'file' && el.type !== 'checkbox' && el.value === '') {
        el.value = draft[el.name];
      }
    });
    var save = function () {
      var now = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!kept(el) || el.type === 'file' || el.type === 'checkbox') { return; }
        if (el.type === 'radio') { if (el.checked) { now[el.name] = el.value; } return; }
        if (el.value !== '') { now[el.name] = el.value; }
      });
      try { store.setItem(key, JSON.stringify(now)); } catch (e) { /* full: keep going */ }
    };
    form.addEventListener('input', save);
    form.addEventListener('change', save);
    form.addEventListener('submit', function () { store.removeItem(key); });
  });
})();
