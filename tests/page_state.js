() => {
    // What a person sees below a kamlab page's header, as one string, to tell whether anything changed:
    // HTML widgets' text, Output widgets' contents, images and charts (their sources or markup hashed),
    // without the controls themselves (a slider's readout changes the moment it is typed into).
    // Shared by tests/test_browser.py and benchmarks/bench_app.py.
    const header = document.querySelector('.kamlab-header');
    const skip = el => (header && header.contains(el)) ||
        el.closest('.widget-slider, .widget-dropdown, .widget-text, .widget-button, .widget-toggle-button, .widget-checkbox');
    // A hash of ~4,000 characters spread over the string: a chart's image is tens of kB and this runs on
    // every change of the page, so hashing all of it would slow the very page being measured.
    const hash = s => { const step = Math.max(1, Math.floor(s.length / 4096)); let x = 0;
        for (let i = 0; i < s.length; i += step) x = (x * 31 + s.charCodeAt(i)) | 0; return x; };
    const parts = [];
    for (const el of document.querySelectorAll('.widget-html-content, .widget-output .jp-OutputArea-output, .jp-OutputArea-output, img, svg')) {
        if (skip(el)) continue;
        if (el.tagName === 'IMG') { const s = el.getAttribute('src') || ''; parts.push(s.length + ':' + hash(s)); continue; }
        if (el.tagName.toLowerCase() === 'svg') { const s = el.innerHTML; parts.push(s.length + ':' + hash(s)); continue; }
        if (el.querySelector('.jupyter-widgets, .widget-slider, .widget-dropdown')) continue;  // a container: its leaves count
        parts.push(el.innerText);
    }
    return parts.join('\n');
}
