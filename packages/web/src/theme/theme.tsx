/** Light, dark, or whatever the system prefers (the default); remembered in this browser. */
import { useCallback, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'sutazai.theme';
const ORDER: ThemeChoice[] = ['system', 'light', 'dark'];

export function loadTheme(): ThemeChoice {
  try {
    const saved = localStorage.getItem(KEY);
    return saved === 'light' || saved === 'dark' ? saved : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

export function useTheme(): [ThemeChoice, () => void] {
  const [theme, setTheme] = useState<ThemeChoice>(loadTheme);
  const next = useCallback(() => {
    setTheme((current) => {
      const chosen = ORDER[(ORDER.indexOf(current) + 1) % ORDER.length]!;
      applyTheme(chosen);
      try {
        if (chosen === 'system') localStorage.removeItem(KEY);
        else localStorage.setItem(KEY, chosen);
      } catch {
        // Private browsing without storage: the choice lasts for this page only.
      }
      return chosen;
    });
  }, []);
  return [theme, next];
}

export function ThemeToggle() {
  const [theme, next] = useTheme();
  const following = ORDER[(ORDER.indexOf(theme) + 1) % ORDER.length];
  const icon = theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐';
  return (
    <button type="button" className="icon-button" onClick={next} aria-label={`Theme: ${theme}. Switch to ${following}.`} title={`Theme: ${theme}`} data-testid="theme-toggle">
      <span aria-hidden="true">{icon}</span>
    </button>
  );
}
