// Grid worker's report form: fill the hidden latitude and longitude from the phone's GPS. The
// form works without this script (the worker then chooses the grid); nothing else is done here.
(function () {
  'use strict';
  var lat = document.getElementById('lat');
  var lon = document.getElementById('lon');
  var status = document.getElementById('gps-status');
  if (!lat || !lon || !status || !navigator.geolocation) {
    return;
  }
  if (lat.value && lon.value) {
    return; // kept from the form as it was sent
  }
  status.textContent = status.dataset.locating;
  navigator.geolocation.getCurrentPosition(function (pos) {
    lat.value = pos.coords.latitude.toFixed(6);
    lon.value = pos.coords.longitude.toFixed(6);
    status.textContent = status.dataset.located.replace('%s', String(Math.round(pos.coords.accuracy)));
    status.className = 'gps located';
  }, function () {
    status.textContent = status.dataset.failed;
    status.className = 'gps failed';
  }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
}());
