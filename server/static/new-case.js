// The new-case form: the agreement sets the return deadline (NDPA 60 days, CSDPA 10 days) unless the
// administrator typed another one.
(function () {
  var agreement = document.getElementById('contract.agreement');
  var deadline = document.getElementById('deadlines.return');
  if (!agreement || !deadline) return;
  var defaults = { ndpa: '60 days', csdpa: '10 days' };
  agreement.addEventListener('change', function () {
    var known = ['60 days', '10 days', ''];
    if (known.indexOf(deadline.value.trim()) >= 0 && defaults[agreement.value])
      deadline.value = defaults[agreement.value];
  });
})();
