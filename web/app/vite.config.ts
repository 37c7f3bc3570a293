import { defineConfig } from 'vite';

// What `npm run dev` talks to: a running platform's Proxy (./platform up). The dev server forwards
// gRPC-Web calls and the room WebSocket to it, so the page keeps calling its own origin as it does when
// the Proxy serves the build.
const proxy = process.env.LIVE_PROXY ?? 'https://127.0.0.1:8443';

// The Proxy serves dist/ at / with a CSP that allows only this origin's scripts and styles: no inline
// script, no eval, so the build emits only external, content-hashed files (assets/*-[hash].js|css).
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  resolve: {
    // The SDK is a linked package with its own node_modules: one copy of the protobuf runtime, not two.
    dedupe: ['@bufbuild/protobuf', '@connectrpc/connect', '@connectrpc/connect-web'],
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '^/live\\.v1\\.': { target: proxy, secure: false, changeOrigin: true },
      // The Proxy admits WebSockets only from its own pages (Limits:WebSocketOrigins).
      '/ws': { target: proxy, secure: false, changeOrigin: true, ws: true, headers: { origin: proxy } },
    },
  },
});
