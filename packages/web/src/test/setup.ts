import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// The same setup serves the node-environment tests of dev/, which have no DOM.
afterEach(() => {
  if (typeof document === 'undefined') return;
  cleanup();
  localStorage.clear();
  for (const part of document.cookie.split(';')) {
    const name = part.split('=')[0]?.trim();
    if (name) document.cookie = `${name}=; Max-Age=0; Path=/`;
  }
});
