// The dashboard state for React components.
import { useSyncExternalStore } from 'react';
import type { DashboardState, DashboardStore } from './store';

export function useDashboard(store: DashboardStore): DashboardState {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
