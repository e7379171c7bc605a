// Entry: take the credential out of the address bar, start the gateway connection and the first data load,
// and only then fetch React and the views (a separate chunk), so the two overlap.
import './styles.css';
import { bridge } from './bridge';
import { GatewayClient, bridgeCredentialSource, browserCredentialSource, takeLinkCredential } from './gateway-client';
import { DashboardStore } from './store';
import { applyTheme, readThemePref } from './theme';

applyTheme(readThemePref());

// Before anything else runs: the one-time credential must not stay in the address bar or history.
const link = takeLinkCredential();
const source = bridge() ? bridgeCredentialSource() : browserCredentialSource(link);
const client = new GatewayClient(source);
// The handshake and the download of the React chunk overlap; the first data load waits for both.
const app = import('./boot');
const store = new DashboardStore(client, app);
client.start();

window.addEventListener('pagehide', () => client.stop());
window.addEventListener('pageshow', (e) => { if (e.persisted) client.start(); });

void app.then(({ mount }) => mount(store));
