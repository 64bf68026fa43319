// The UI smoke run's contrast audit: inside a webview page, every element that shows text (its own text nodes,
// form controls with a value, SVG text) and every mark (chart bars, arrow lines) is measured against the
// background it is actually drawn on: the backgrounds of the element and its ancestors composited from the page's
// canvas up, each colour's alpha and the element's opacity applied. WCAG 2.x relative luminance and contrast
// ratio; text needs ≥ 4.5:1, large text (≥ 24 px, or ≥ 18.66 px bold) and marks ≥ 3:1. Disabled controls are
// exempt (WCAG 1.4.3), as is text no one can see (zero size, hidden, clipped to nothing).
//
// `auditPage` runs in the page (Playwright serialises it): it must not close over anything from this module.

/**
 * Runs in the webview page, as `locator.evaluate(auditPage, marks)` (so its first argument is the located element,
 * unused). `marks`: CSS selectors of non-text marks, each with the property that draws it.
 */
export function auditPage(_located, marks) {
  const parse = (value) => {
    if (!value || value === 'transparent' || value === 'none') return [0, 0, 0, 0];
    let match = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(value);
    if (match) {
      const alpha = match[4] === undefined ? 1 : match[4].endsWith('%') ? Number(match[4].slice(0, -1)) / 100 : Number(match[4]);
      return [Number(match[1]), Number(match[2]), Number(match[3]), alpha];
    }
    match = /^color\(srgb\s+([\d.e-]+)\s+([\d.e-]+)\s+([\d.e-]+)(?:\s*\/\s*([\d.]+%?))?\s*\)$/.exec(value);
    if (match) {
      const alpha = match[4] === undefined ? 1 : match[4].endsWith('%') ? Number(match[4].slice(0, -1)) / 100 : Number(match[4]);
      return [Number(match[1]) * 255, Number(match[2]) * 255, Number(match[3]) * 255, alpha];
    }
    // Anything else (a paint server, an unknown syntax): resolve it through a canvas.
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const context = canvas.getContext('2d');
    context.fillStyle = value;
    context.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = context.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = (top, bottom) => {
    const alpha = top[3] + bottom[3] * (1 - top[3]);
    if (alpha === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map((i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / alpha).concat(alpha);
  };
  const luminance = ([r, g, b]) => {
    const channel = (value) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const hex = (c) => `#${c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
  // The page's canvas: the root's background, else the browser's default white.
  const canvasColour = () => {
    const root = parse(getComputedStyle(document.documentElement).backgroundColor);
    const body = document.body ? parse(getComputedStyle(document.body).backgroundColor) : [0, 0, 0, 0];
    return over(body[3] > 0 && root[3] === 0 ? body : root, [255, 255, 255, 1]);
  };
  const base = canvasColour();
  /** The background under `node`: its own and its ancestors' backgrounds, composited from the canvas up. */
  const backgroundOf = (node) => {
    const layers = [];
    for (let at = node; at && at.nodeType === 1; at = at.parentElement) {
      const style = getComputedStyle(at);
      const fill = at instanceof SVGElement && at.tagName !== 'svg' ? [0, 0, 0, 0] : parse(style.backgroundColor);
      if (fill[3] > 0) layers.push(fill);
      if (fill[3] >= 1) break;
    }
    let colour = base;
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const opacityOf = (node) => {
    let opacity = 1;
    for (let at = node; at && at.nodeType === 1; at = at.parentElement) opacity *= Number(getComputedStyle(at).opacity);
    return opacity;
  };
  const visible = (node) => {
    const rect = node.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1) return false;
    const style = getComputedStyle(node);
    return style.visibility !== 'hidden' && style.display !== 'none' && node.checkVisibility?.({ opacityProperty: true, visibilityProperty: true }) !== false;
  };
  const describe = (node) => {
    const cls = typeof node.className === 'string' ? node.className : (node.getAttribute('class') ?? '');
    return `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''}${cls ? `.${cls.trim().split(/\s+/).join('.')}` : ''}`;
  };
  const results = [];
  const measure = (node, colourValue, kind, text) => {
    // A mark's own fill is the mark: it is drawn on what is behind it.
    const background = kind === 'mark' ? backgroundOf(node.parentElement ?? node) : backgroundOf(node);
    const colour = parse(colourValue);
    const shown = over([colour[0], colour[1], colour[2], colour[3] * opacityOf(node)], background);
    const style = getComputedStyle(node);
    const size = parseFloat(style.fontSize);
    const bold = Number(style.fontWeight) >= 700;
    const large = kind === 'text' && (size >= 24 || (bold && size >= 18.66));
    const needed = kind === 'mark' || large ? 3 : 4.5;
    results.push({
      element: describe(node),
      kind: large ? 'large text' : kind,
      text: (text ?? '').replace(/\s+/g, ' ').trim().slice(0, 40),
      foreground: hex(shown),
      background: hex(background),
      ratio: Math.round(ratio(shown, background) * 100) / 100,
      needed,
    });
  };
  for (const node of document.body.querySelectorAll('*')) {
    if (!visible(node)) continue;
    if (node.closest('[disabled], [aria-disabled="true"]')) continue;
    const own = [...node.childNodes].filter((child) => child.nodeType === 3 && child.textContent.trim() !== '').map((child) => child.textContent).join('');
    const isField = (node.tagName === 'INPUT' && !['checkbox', 'radio', 'hidden'].includes(node.type) && node.value !== '') || node.tagName === 'SELECT';
    if (node instanceof SVGElement) {
      if (node.tagName === 'text' && own) measure(node, getComputedStyle(node).fill, 'text', own);
      continue;
    }
    if (own || isField) measure(node, getComputedStyle(node).color, 'text', own || node.value || node.selectedOptions?.[0]?.textContent);
  }
  for (const { selector, property } of marks) {
    for (const node of document.querySelectorAll(selector)) {
      if (!visible(node)) continue;
      measure(node, getComputedStyle(node)[property], 'mark', selector);
    }
  }
  return results;
}

/** The measurements below their threshold, one line each, and a one-line summary of all of them. */
export function contrastReport(results) {
  const failures = results.filter((result) => result.ratio < result.needed);
  const lowest = results.reduce((low, result) => (!low || result.ratio / result.needed < low.ratio / low.needed ? result : low), undefined);
  const lines = failures.map((f) => `${f.element} "${f.text}" ${f.kind}: ${f.foreground} on ${f.background} = ${f.ratio}:1 (needs ${f.needed}:1)`);
  const summary = `${results.length} elements measured, ${failures.length} below the threshold` +
    (lowest ? `; lowest ${lowest.ratio}:1 (${lowest.element}, ${lowest.kind}, needs ${lowest.needed}:1)` : '');
  return { failures, lines, summary };
}
