import { defineConfig } from 'vite';

// The overlay benchmark page, built apart from the app so the comparison engine (the npm `danmaku`
// package) never reaches the app's bundle. Built into .bench-dist/ by the browser tests.
export default defineConfig({
  root: 'bench',
  base: './',
  build: {
    outDir: '../.bench-dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  resolve: {
    dedupe: ['@bufbuild/protobuf', '@connectrpc/connect', '@connectrpc/connect-web'],
  },
});
