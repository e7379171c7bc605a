// The React half of the window, loaded after the connection has already started (see main.ts).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import type { DashboardStore } from './store';

export function mount(store: DashboardStore): void {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App store={store} />
    </StrictMode>,
  );
}
