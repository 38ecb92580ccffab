// Settings read by the vendored libraries before they start. Loaded first, from a file, because the
// Content-Security-Policy forbids inline script and inline styles.
// video.js (inside the Bootstrap Italia bundle) would otherwise inject <style> elements.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
