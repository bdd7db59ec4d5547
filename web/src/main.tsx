import { Provider } from '@urql/preact';
import { render } from 'preact';
import { App } from './app.tsx';
import { createClient } from './client.ts';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  render(
    <Provider value={createClient()}>
      <App />
    </Provider>,
    root,
  );
}
