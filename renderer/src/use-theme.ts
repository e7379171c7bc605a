// The theme preference as React state, following the system setting while the user has not picked one.
import { useEffect, useState } from 'react';
import { applyTheme, readThemePref, writeThemePref, type ThemePref } from './theme';

const media = () => window.matchMedia('(prefers-color-scheme: dark)');

export function useTheme(): { pref: ThemePref; effective: 'light' | 'dark'; setPref: (p: ThemePref) => void } {
  const [pref, setPrefState] = useState<ThemePref>(readThemePref);
  const [systemDark, setSystemDark] = useState(() => media().matches);
  useEffect(() => {
    const m = media();
    const fn = () => setSystemDark(m.matches);
    m.addEventListener('change', fn);
    return () => m.removeEventListener('change', fn);
  }, []);
  useEffect(() => applyTheme(pref), [pref]);
  const setPref = (p: ThemePref) => {
    writeThemePref(p);
    setPrefState(p);
  };
  return { pref, effective: pref === 'system' ? (systemDark ? 'dark' : 'light') : pref, setPref };
}
