/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Env } from '../config/env.ts';
import { loadStatus } from './data.ts';
import { StatusPage } from './page.tsx';

/** `GET /v1/status` (JSON) and `GET /status` (the same, for people). */
export const status = new Hono<{ Bindings: Env }>();

status.get('/v1/status', async (c) => {
  const { recentBatches: _batches, recentRotations: _rotations, triggers: _triggers, ...summary } = await loadStatus(c.env.DB);
  return c.json(summary);
});

status.get('/status', async (c) => {
  const data = await loadStatus(c.env.DB);
  return c.html(html`<!DOCTYPE html>${(<StatusPage status={data} now={Date.now()} />)}`);
});
