import { useEffect, useState } from 'react';
import type { AgentStatus } from '../../../agents/api/index.ts';
import { agentApi } from '../api/agent-api.ts';

export function StatusScreen() {
  const [status, setStatus] = useState<AgentStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const api = agentApi();
    const refresh = () => {
      void api.getStatus().then((result) => {
        if (result.ok) {
          setStatus(result.value);
          setError(null);
        } else setError(result.error.message);
      });
    };
    refresh();
    const timer = setInterval(refresh, 2000);
    return () => clearInterval(timer);
  }, []);

  if (error) return <p role="alert">{error}</p>;
  if (!status) return <p>Connecting to the agent…</p>;
  return (
    <main>
      <h1>{status.agent.name}</h1>
      <p>
        {status.queue.depth === 0 ? 'Everything is up to date.' : `${status.queue.depth} changes waiting to be sent.`}
      </p>
      <ul>
        {status.sources.map((source) => (
          <li key={source.name}>
            {source.name}: {source.state}
            {source.lastError ? ` (${source.lastError.message})` : ''}
          </li>
        ))}
      </ul>
    </main>
  );
}
