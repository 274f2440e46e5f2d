// Progressive enhancement for the vendor's return page: upload with a progress bar through the JSON API.
// Without JavaScript the form posts to the page route and works the same, without progress.
(function () {
  var form = document.getElementById('upload-form');
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var bar = document.getElementById('upload-progress');
  var status = document.getElementById('upload-status');
  form.addEventListener('submit', function (event) {
    var file = form.querySelector('input[name=file]');
    if (!file || !file.files || file.files.length === 0) return;
    event.preventDefault();
    var data = new FormData();
    data.append('category', form.querySelector('select[name=category]').value);
    data.append('file', file.files[0]);
    var request = new XMLHttpRequest();
    request.open('POST', form.getAttribute('data-api'));
    bar.hidden = false;
    bar.value = 0;
    status.textContent = 'Uploading ' + file.files[0].name + '…';
    request.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    request.addEventListener('load', function () {
      var answer = {};
      try {
        answer = JSON.parse(request.responseText);
      } catch (e) {
        /* not JSON */
      }
      if (request.status === 201 || request.status === 200) {
        status.textContent =
          '"' + answer.name + '" is staged' + (answer.alreadyStaged ? ' (it was already)' : '') + '.';
        window.location.reload();
      } else {
        bar.hidden = true;
        status.textContent =
          'The file was not staged: ' + ((answer.error && answer.error.message) || 'error ' + request.status);
        status.className = 'error';
      }
    });
    request.addEventListener('error', function () {
      bar.hidden = true;
      status.textContent = 'The upload was interrupted. Nothing partial was kept; try again.';
      status.className = 'error';
    });
    request.send(data);
  });
})();
