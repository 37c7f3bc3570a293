import './styles.css';
import './sale.css';
import './inbox.css';
import { App, type Route } from './app';
import { renderConsole } from './views/console';
import { renderDashboard } from './views/dashboard';
import { renderInbox } from './views/inbox';
import { renderLobby } from './views/lobby';
import { renderRoom } from './views/room';
import { renderSignIn } from './views/signin';

const routes: Route[] = [
  { pattern: /^\/$/, access: 'anyone', render: renderLobby },
  { pattern: /^\/signin$/, access: 'anyone', render: renderSignIn },
  { pattern: /^\/inbox$/, access: 'signedIn', render: renderInbox },
  { pattern: /^\/rooms\/([1-9][0-9]{0,17})$/, access: 'anyone', render: renderRoom },
  { pattern: /^\/console(?:\/rooms\/([1-9][0-9]{0,17}))?$/, access: 'anchor', render: renderConsole },
  { pattern: /^\/admin(?:\/rooms\/([1-9][0-9]{0,17}))?$/, access: 'admin', render: renderDashboard },
];

const root = document.getElementById('app');
if (root !== null) void new App(root, routes).start();
