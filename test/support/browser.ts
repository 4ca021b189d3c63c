import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';

/**
 * A real headless Chromium for tests: @sparticuz/chromium ships the browser inside its npm package (unpacked to the
 * temp directory on first use), driven over the DevTools protocol by puppeteer-core. Nothing is downloaded.
 */
export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true, defaultViewport: { width: 1280, height: 1100 } });
}
