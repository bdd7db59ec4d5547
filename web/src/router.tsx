import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { keepRelease } from './release.ts';

/**
 * URLs are state: every page reads what it shows from the path and query string, and changing a
 * view means navigating, so any view can be shared or bookmarked.
 */
const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of listeners) listener();
};
window.addEventListener('popstate', notify);

export function navigate(target: string, { replace = false, carryRelease = true } = {}): void {
  // carryRelease: false is for the release picker, which may mean to drop the parameter.
  const to = carryRelease ? keepRelease(target) : target;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}

export interface Place {
  path: string;
  params: URLSearchParams;
}

export function usePlace(): Place {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}

/** The current URL with some query parameters set (empty values removed). */
export function withParams(place: Place, changes: Record<string, string | undefined>): string {
  const params = new URLSearchParams(place.params);
  for (const [key, value] of Object.entries(changes)) {
    if (value) params.set(key, value);
    else params.delete(key);
  }
  const query = params.toString();
  return query ? `${place.path}?${query}` : place.path;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href' | 'role'> & {
  href: string;
  children?: ComponentChildren;
};

/** An ordinary link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ href: target, children, ...rest }: LinkProps) {
  const href = keepRelease(target);
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
