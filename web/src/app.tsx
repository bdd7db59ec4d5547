import { useState } from 'preact/hooks';
import { readApiKey, saveApiKey } from './api-key.ts';
import { ReleasePicker } from './components/release-picker.tsx';
import { ComparePage } from './pages/compare/compare-page.tsx';
import { CoveragePage } from './pages/coverage/coverage-page.tsx';
import { EmulationPlanPage } from './pages/emulation/emulation-page.tsx';
import { GroupPage } from './pages/group/group-page.tsx';
import { MatrixPage } from './pages/matrix/matrix-page.tsx';
import { SearchPage } from './pages/search/search-page.tsx';
import { TechniquePage } from './pages/technique/technique-page.tsx';
import { Link, type Place, usePlace } from './router.tsx';

/** Path → page. Each page reads the rest of its state from the query string. */
function route(place: Place) {
  const [, first, second, third] = place.path.split('/');
  if (first === 'techniques' && second) return <TechniquePage attackId={decodeURIComponent(second)} />;
  if (first === 'groups' && second && third === 'plan')
    return <EmulationPlanPage attackId={decodeURIComponent(second)} place={place} />;
  if (first === 'groups' && second) return <GroupPage attackId={decodeURIComponent(second)} place={place} />;
  if (first === 'search') return <SearchPage place={place} />;
  if (first === 'compare') return <ComparePage place={place} />;
  if (first === 'coverage') return <CoveragePage place={place} />;
  return <MatrixPage place={place} />;
}

export function App() {
  const place = usePlace();
  return (
    <>
      <header class="top">
        <a class="skip" href="#content">
          Skip to content
        </a>
        <strong>ATT&amp;CK Explorer</strong>
        <nav aria-label="Pages">
          <Link href="/matrix">Matrix</Link>
          <Link href="/compare">Compare groups</Link>
          <Link href="/coverage">Coverage</Link>
          <Link href="/search">Search</Link>
          <a href="/graphql">GraphiQL</a>
        </nav>
        <ReleasePicker place={place} />
        <ApiKeyForm />
      </header>
      <div id="content">{route(place)}</div>
    </>
  );
}

/** Where a browser user gives the API key (production with API_KEYS); kept for this tab only. */
function ApiKeyForm() {
  const [key, setKey] = useState(readApiKey());
  const [saved, setSaved] = useState(false);
  return (
    <form
      class="api-key"
      onSubmit={(event) => {
        event.preventDefault();
        saveApiKey(key.trim());
        setSaved(true);
        location.reload();
      }}
    >
      <label>
        API key{' '}
        <input
          type="password"
          autocomplete="off"
          value={key}
          onInput={(e) => {
            setKey((e.target as HTMLInputElement).value);
            setSaved(false);
          }}
        />
      </label>
      <button type="submit">{saved ? 'Saved' : 'Use'}</button>
    </form>
  );
}
