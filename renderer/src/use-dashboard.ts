// The dashboard state for React components.
import { useSyncExternalStore } from 'react';
import type { DashboardState, DashboardStore } from './store';
import type { ApprovalsState, ApprovalsStore } from './approvals-store';

export function useDashboard(store: DashboardStore): DashboardState {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

export function useApprovals(store: ApprovalsStore): ApprovalsState {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
