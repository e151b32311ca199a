/** The signed-in app: header with pickers, the conversation sidebar, and the current screen. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import { AgentFormPage } from '../agents/agent-form';
import { AgentsPage } from '../agents/agents-page';
import { useSession, useUser } from '../auth/session';
import { ChatView } from '../chat/chat-view';
import { ConnectionBanner } from '../connection/connection-banner';
import { useConnection } from '../connection/use-connection';
import { ConversationSidebar } from '../conversations/conversation-sidebar';
import { KnowledgeBasePage } from '../knowledge/knowledge-base-page';
import { KnowledgePage } from '../knowledge/knowledge-page';
import { RunPage } from '../runs/run-page';
import { RunsPage } from '../runs/runs-page';
import { useConversationList } from '../conversations/use-conversation-list';
import { AgentPicker, ModelPicker } from '../models/pickers';
import { useCatalog } from '../models/use-catalog';
import { SettingsPage } from '../settings/settings-page';
import { NoModelSetup } from '../setup/no-model-setup';
import { StatusPage } from '../status/status-page';
import { ThemeToggle } from '../theme/theme';
import { ErrorNotice } from '../ui/error-notice';
import { conversationPath, useRoute } from './router';
import { useServices } from './services';

export function MainLayout() {
  const { monitor } = useServices();
  const connection = useConnection(monitor);
  const { user, singleUser } = useUser();
  const { signOut } = useSession();
  const [route, go] = useRoute();
  const catalog = useCatalog();
  const list = useConversationList();
  const [menuOpen, setMenuOpen] = useState(false);
  const [signOutError, setSignOutError] = useState<ShownError | undefined>(undefined);
  const activeId = route.name === 'chat' ? route.conversationId : undefined;
  const lastChatId = useRef<string | undefined>(undefined);
  if (route.name === 'chat') lastChatId.current = route.conversationId;
  const chatId = route.name === 'chat' ? route.conversationId : lastChatId.current;

  // The models and conversations may have changed (or failed to load) while the server was away: list them again.
  const wasOffline = useRef(false);
  const { reload: reloadCatalog } = catalog;
  const { refresh } = list;
  useEffect(() => {
    if (connection.phase === 'offline') wasOffline.current = true;
    else if (connection.phase === 'online' && wasOffline.current) {
      wasOffline.current = false;
      reloadCatalog();
      refresh();
    }
  }, [connection.phase, reloadCatalog, refresh]);

  const openConversation = useCallback((id: string) => {
    go(conversationPath(id));
    setMenuOpen(false);
  }, [go]);
  const newChat = useCallback(() => {
    go('/');
    setMenuOpen(false);
  }, [go]);
  const onConversationStarted = useCallback((id: string) => {
    go(conversationPath(id), { replace: true });
    refresh();
  }, [go, refresh]);

  return (
    <div className={`layout${menuOpen ? ' menu-open' : ''}`}>
      <a className="skip-link" href="#main">Skip to the conversation</a>
      <header className="topbar">
        <button type="button" className="icon-button menu-button" aria-label={menuOpen ? 'Close the conversation list' : 'Open the conversation list'} aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen(!menuOpen)}>☰</button>
        <a className="brand" href="/" onClick={(e) => { e.preventDefault(); newChat(); }}><span className="logo-dot" aria-hidden="true" /> JARVIS</a>
        <div className="pickers">
          <ModelPicker catalog={catalog} />
          <AgentPicker catalog={catalog} />
        </div>
        <nav className="topnav" aria-label="Pages">
          <a href="/status" className="nav-link" aria-current={route.name === 'status' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); go('/status'); }} data-testid="nav-status">
            <span className={`status-dot status-${connection.phase === 'online' ? connection.report.status : connection.phase}`} aria-hidden="true" />
            <span className="nav-text nav-text-optional">Status</span>
          </a>
          <a href="/agents" className="nav-link" aria-current={route.name === 'agents' || route.name === 'agent' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); go('/agents'); }} data-testid="nav-agents">
            <span className="nav-text">Agents</span>
          </a>
          <a href="/knowledge" className="nav-link" aria-current={route.name === 'knowledge' || route.name === 'knowledge-base' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); go('/knowledge'); }} data-testid="nav-knowledge">
            <span className="nav-text">Knowledge</span>
          </a>
          <a href="/runs" className="nav-link" aria-current={route.name === 'runs' || route.name === 'run' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); go('/runs'); }} data-testid="nav-runs">
            <span className="nav-text">Runs</span>
          </a>
          <a href="/settings" className="nav-link" aria-current={route.name === 'settings' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); go('/settings'); }} data-testid="nav-settings">
            <span className="nav-text">Settings</span>
          </a>
          <ThemeToggle />
          {!singleUser && (
            <button type="button" className="button-small" data-testid="sign-out" title={`Signed in as ${user.email ?? user.name}`}
              onClick={() => void signOut().catch((error: unknown) => setSignOutError(toShownError(error)))}>Sign out</button>
          )}
        </nav>
      </header>
      <ConnectionBanner state={connection} onRetry={() => monitor.checkNow()} />
      {signOutError && <ErrorNotice error={signOutError} title="Signing out failed." onDismiss={() => setSignOutError(undefined)} />}
      <div className="body">
        <aside id="sidebar" className="sidebar">
          <ConversationSidebar
            list={list}
            activeId={activeId}
            onOpen={openConversation}
            onNewChat={newChat}
            onDeleted={(id) => {
              if (id === activeId) go('/');
            }}
            onRenamed={() => undefined}
          />
        </aside>
        {menuOpen && <div className="scrim" onClick={() => setMenuOpen(false)} aria-hidden="true" />}
        <main id="main" className="main">
          {/* The chat stays mounted on the other pages, so a reply keeps streaming while you look at them. */}
          <div className="main-pane" hidden={route.name !== 'chat'}>
            <ChatView conversationId={chatId} visible={route.name === 'chat'} catalog={catalog} onConversationStarted={onConversationStarted} onTurnEnded={refresh} onNewChat={newChat} />
          </div>
          {route.name === 'status' && <StatusPage isAdmin={user.role === 'admin'} />}
          {route.name === 'settings' && <SettingsPage />}
          {route.name === 'agents' && <AgentsPage catalog={catalog} go={go} />}
          {route.name === 'agent' && <AgentFormPage agentId={route.agentId} catalog={catalog} go={go} />}
          {route.name === 'knowledge' && <KnowledgePage go={go} />}
          {route.name === 'knowledge-base' && <KnowledgeBasePage key={route.baseId} baseId={route.baseId} go={go} />}
          {route.name === 'runs' && <RunsPage catalog={catalog} go={go} />}
          {route.name === 'run' && <RunPage key={route.runId} runId={route.runId} catalog={catalog} go={go} />}
          {route.name === 'setup' && <div className="page"><NoModelSetup onModelsChanged={catalog.reload} /></div>}
          {route.name === 'not-found' && (
            <div className="page"><h2>Not found</h2><p>There is no page at <code>{route.path}</code>. <a href="/" onClick={(e) => { e.preventDefault(); newChat(); }}>Start a conversation</a>.</p></div>
          )}
        </main>
      </div>
    </div>
  );
}
