import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the api-gateway under /dashboard/; hashed assets under /dashboard/assets/ are cached for a year.
export default defineConfig({
  base: '/dashboard/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
});
