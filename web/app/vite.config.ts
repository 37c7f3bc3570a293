import { defineConfig } from 'vite';

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
});
