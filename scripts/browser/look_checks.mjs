// How the console looks: no sideways page scrolling on phones (wide tables and charts scroll
// inside their card; a chart never shrinks below its drawn size, so its text stays 12 px or more) and a readable dark mode. Called by console_test.mjs once the
// reports are shown; leaves the viewport and the colour scheme as it found them.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Phone widths checked, in CSS pixels. */
const PHONE_WIDTHS = [360, 390];

/** Runs every check on `page`; screenshots go to `screenshots`. */
export async function checkLook(page, screenshots) {
  const viewport = page.viewportSize();
  try {
    for (const width of PHONE_WIDTHS) await checkPhone(page, width, screenshots);
  } finally {
    if (viewport) await page.setViewportSize(viewport);
  }
  try {
    await checkDark(page, screenshots);
  } finally {
    await page.emulateMedia({ colorScheme: null });
  }
}

/** At `width` px: the page is no wider than the screen; each chart scrolls inside its card, unshrunk. */
async function checkPhone(page, width, screenshots) {
  await page.setViewportSize({ width, height: 800 });
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done())));
  const look = await page.evaluate(() => {
    const inner = window.innerWidth;
    const name = (node) => `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''}`;
    return {
      inner,
      scroll: document.documentElement.scrollWidth,
      wide: [...document.querySelectorAll('body *')]
        .filter((node) => node.getBoundingClientRect().right > inner + 0.5)
        .filter((node) => !node.closest('.table-scroll, .chart-scroll'))
        .map((node) => `${name(node)} (${Math.round(node.getBoundingClientRect().right)} px)`),
      charts: [...document.querySelectorAll('.chart:not([hidden])')].map((chart) => {
        const card = chart.closest('section').getBoundingClientRect();
        const box = chart.closest('.chart-scroll').getBoundingClientRect();
        return {
          id: chart.id,
          fits: box.left >= card.left && box.right <= card.right + 0.5,
          // Shown at its drawn size or larger: its 12 px text reads at 12 px or more.
          scale: chart.getBoundingClientRect().width / chart.naturalWidth,
        };
      }),
      scrollers: [...document.querySelectorAll('#reports-section .table-scroll')]
        .map((node) => getComputedStyle(node).overflowX),
    };
  });
  assert.equal(look.inner, width, 'the viewport width');
  assert.ok(look.scroll <= look.inner,
    `at ${width} px the page is ${look.scroll} px wide: ${look.wide.join(', ')}`);
  assert.ok(look.charts.length === 2, `the two charts show: ${JSON.stringify(look.charts)}`);
  for (const chart of look.charts) {
    assert.ok(chart.fits, `#${chart.id} is wider than its card at ${width} px`);
    assert.ok(chart.scale >= 0.999, `#${chart.id} is shrunk to ${chart.scale.toFixed(2)} at ${width} px`);
  }
  assert.ok(look.scrollers.length >= 2 && look.scrollers.every((o) => o === 'auto'),
    `the report tables scroll inside their card: ${look.scrollers}`);
  await mkdir(screenshots, { recursive: true });
  await page.locator('#reports-section').screenshot({ path: join(screenshots, `reports-${width}.png`) });
}

/** In dark mode the page is dark and its text reads at 4.5:1 or more on its backgrounds. */
async function checkDark(page, screenshots) {
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.ok(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches));
  const colours = await page.evaluate(() => {
    const style = (selector) => getComputedStyle(document.querySelector(selector));
    const pair = (selector) => {
      const node = document.querySelector(selector);
      let back = node;
      while (back && getComputedStyle(back).backgroundColor === 'rgba(0, 0, 0, 0)') back = back.parentElement;
      return { selector, ink: style(selector).color, paper: getComputedStyle(back ?? document.body).backgroundColor };
    };
    return {
      body: style('body').backgroundColor,
      pairs: ['body', '#upload-section p', '#reports-section th', '#reports-section td', 'label[for=year]',
        '.page-header h1', '#reports-status .message']
        .map(pair),
    };
  });
  assert.ok(luminance(colours.body) < 0.05, `the body background is not dark: ${colours.body}`);
  for (const { selector, ink, paper } of colours.pairs) {
    const ratio = contrast(ink, paper);
    assert.ok(ratio >= 4.5, `${selector}: ${ink} on ${paper} is ${ratio.toFixed(2)}:1`);
  }
  await mkdir(screenshots, { recursive: true });
  await page.locator('#reports-section').screenshot({ path: join(screenshots, 'reports-dark.png') });
}

/** The relative luminance (WCAG 2) of a computed `rgb(...)`/`rgba(...)` colour. */
function luminance(css) {
  const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map(Number).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two computed colours. */
function contrast(a, b) {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}
