import type { Page } from 'playwright-core';

/** The little of the DOM the canvas check reads (the tests compile without the DOM's types). */
interface DomNode {
  querySelector(sel: string): DomNode | null;
  querySelectorAll(sel: string): ArrayLike<DomNode>;
  textContent: string | null;
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}
interface Dom {
  document: DomNode;
  getComputedStyle(el: DomNode): { borderColor: string };
}

/**
 * What uPlot drew on the chart's canvas in the card `card`: the columns the value series' colour
 * appears in (and its height in the first of them), and for each limit series of its legend (colour from its marker) the row where its
 * colour covers most pixels. A pixel counts as a series' colour when it is that colour blended with the
 * white background (anti-aliased edges included), by the same share in each channel.
 */
export function drawnLines(page: Page, card: string) {
  return page.evaluate((sel) => {
    const dom = globalThis as unknown as Dom;
    const root = dom.document.querySelector(sel)!;
    const canvas = root.querySelector('.chart canvas')!;
    const { width, height } = canvas;
    const px = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    const rgb = (css: string) => (css.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    const blendOf = (c: number[], i: number) => {
      const shares: number[] = [];
      for (let k = 0; k < 3; k++) {
        const room = 255 - c[k]!;
        if (room < 40) continue; // a channel near white says nothing
        shares.push((255 - px[i + k]!) / room);
      }
      return shares.length > 0 && Math.min(...shares) > 0.45 && Math.max(...shares) - Math.min(...shares) < 0.2 && Math.max(...shares) < 1.2;
    };
    const series = Array.from(root.querySelectorAll('.u-legend .u-series'), (tr) => ({
      label: tr.querySelector('.u-label')?.textContent ?? '',
      colour: rgb(dom.getComputedStyle(tr.querySelector('.u-marker')!).borderColor),
    }));
    const value = series[1]!;
    let valueColumns = 0;
    let valueFirstY = -1;
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++)
        if (blendOf(value.colour, (y * width + x) * 4)) {
          valueColumns++;
          if (valueFirstY < 0) valueFirstY = y;
          break;
        }
    }
    const limits = series
      .filter((s) => s.label.startsWith('limit'))
      .map((s) => {
        let best = { y: -1, rowPixels: 0 };
        for (let y = 0; y < height; y++) {
          let n = 0;
          for (let x = 0; x < width; x++) if (blendOf(s.colour, (y * width + x) * 4)) n++;
          if (n > best.rowPixels) best = { y, rowPixels: n };
        }
        return { label: s.label, ...best };
      });
    return { width, valueColumns, valueFirstY, limits };
  }, card);
}
