import { resolve } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { NextFunction, Request, Response } from 'express';

/** Where the console (apps/console, built by Vite) is served, on the api's own origin. */
export const CONSOLE_PATH = '/console';
export const EXPLORER_PATH = `${CONSOLE_PATH}/explorer`;

/**
 * The console's Content-Security-Policy: only this origin's scripts (Vite emits no inline script
 * or eval), styles and connections (HTTP and graphql-ws); no frames, plugins or foreign forms.
 * Styles allow 'unsafe-inline' because GraphiQL's editor (Monaco) writes <style> elements.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** A missing asset is a 404, not the page: only extension-less paths fall back to index.html. */
const ASSET_PATH = /^\/console\/.*\.[A-Za-z0-9]+$/;

/**
 * The built console from CONSOLE_DIR (default `dist/console`, relative to the working directory):
 * fingerprinted assets cached for good, the page never. Without a build, /console is 404 and the
 * API is unaffected.
 */
export const ConsoleStaticModule = ServeStaticModule.forRoot({
  rootPath: resolve(process.env.CONSOLE_DIR ?? 'dist/console'),
  serveRoot: CONSOLE_PATH,
  exclude: ASSET_PATH,
  serveStaticOptions: {
    index: 'index.html',
    setHeaders: (res, path) => {
      res.setHeader('Cache-Control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  },
});

const wantsPage = (req: Request) =>
  req.method === 'GET' && req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';

/**
 * Security headers on every console response; `GET /` leads to the console, and a browser's
 * `GET /graphql` (Accept: text/html) to the explorer, instead of a 404 or a CSRF error.
 */
export function mountConsoleRoutes(app: INestApplication): void {
  app.use(CONSOLE_PATH, (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' && req.path === '/') return res.redirect(302, `${CONSOLE_PATH}/`);
    if (req.path === '/graphql' && wantsPage(req)) return res.redirect(302, EXPLORER_PATH);
    next();
  });
}
