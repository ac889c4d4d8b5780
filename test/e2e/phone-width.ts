import type { Page } from 'playwright-core';

/**
 * What does not fit at the page's current width, one readable line each: the page wider than the
 * window (sideways scrolling), a box that sticks out past the right edge of the box it sits in or
 * past the window's left edge, text that runs past the right edge of its box, a box that cuts its
 * own content off (an ellipsis included), and a text field whose placeholder is cut off. What scrolls on purpose (anything inside an
 * `overflow-x: auto` box, such as a wide table in its scroller), text fields' own values (which
 * scroll inside the field) and what mirrors them are not counted.
 */
export async function overflowingText(page: Page): Promise<string[]> {
  // A string, so that the page's own JavaScript (not a transpiled copy of this file) runs it.
  return (await page.evaluate(`(() => {
    const found = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) {
      found.push('the page is ' + doc.scrollWidth + ' px wide in a ' + doc.clientWidth + ' px window');
    }
    const name = (el) => {
      const id = el.id ? '#' + el.id : '';
      const cls = typeof el.className === 'string' && el.className.trim() !== ''
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      const text = (el.getAttribute('placeholder') || el.textContent || '').trim().replace(/\\s+/g, ' ');
      return el.tagName.toLowerCase() + id + cls + ' "' + text.slice(0, 50) + '"';
    };
    const scrolls = (style) => style.overflowX === 'auto' || style.overflowX === 'scroll';
    const clips = (style) => style.overflowX === 'hidden' || style.overflowX === 'clip';
    const canvas = document.createElement('canvas').getContext('2d');
    const reported = new Set();
    const insideReported = (el) => {
      for (let a = el.parentElement; a; a = a.parentElement) if (reported.has(a)) return true;
      return false;
    };
    for (const el of document.body.querySelectorAll('*')) {
      if (el.getClientRects().length === 0 || el.closest('.visually-hidden, svg, [hidden]')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.position === 'fixed') continue;
      // A clipping layer hidden from assistive technology (the policy editor's highlighting behind
      // its text area) scrolls with the field it mirrors: clipping is how it follows.
      const layer = el.closest('[aria-hidden="true"]');
      if (layer && clips(getComputedStyle(layer))) continue;
      let scrolled = false;
      for (let a = el.parentElement; a && !scrolled; a = a.parentElement) scrolled = scrolls(getComputedStyle(a));
      if (scrolled || insideReported(el)) continue;
      const box = el.getBoundingClientRect();
      const parent = el.parentElement;
      if (parent && parent !== document.body && style.position !== 'absolute') {
        const p = parent.getBoundingClientRect();
        const edge = p.right - parseFloat(getComputedStyle(parent).borderRightWidth);
        if (box.right > edge + 1) {
          found.push(name(el) + ': sticks out ' + Math.ceil(box.right - edge) + ' px past the right of ' + name(parent));
          reported.add(el);
          continue;
        }
      }
      if (box.left < -1) {
        found.push(name(el) + ': starts ' + Math.ceil(-box.left) + ' px left of the window');
        reported.add(el);
        continue;
      }
      if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') {
        if (el.tagName === 'INPUT' && el.placeholder && el.value === '') {
          canvas.font = style.font;
          const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          const need = canvas.measureText(el.placeholder).width;
          if (need > room + 1) {
            found.push(name(el) + ': placeholder needs ' + Math.ceil(need) + ' px, has ' + Math.floor(room));
          }
        }
        continue;
      }
      // Text that runs past the box it is in (over whatever sits beside it).
      const right = box.right - parseFloat(style.borderRightWidth);
      const spill = [...el.childNodes].find((node) => {
        if (node.nodeType !== Node.TEXT_NODE || node.textContent.trim() === '') return false;
        const range = document.createRange();
        range.selectNodeContents(node);
        return range.getBoundingClientRect().right > right + 1;
      });
      if (spill !== undefined && !clips(style)) {
        found.push(name(el) + ': its text runs past its right edge');
        reported.add(el);
        continue;
      }
      if (clips(style) && el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1) {
        found.push(name(el) + ': cuts off its content (' + el.scrollWidth + ' px in ' + el.clientWidth + ')');
        reported.add(el);
      }
    }
    return found;
  })()`)) as string[];
}
