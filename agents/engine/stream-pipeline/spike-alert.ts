/** The alert a quarantine spike raises: what happened, that nothing was lost, and what a person does next. */
export function quarantineSpikeAlert(source: string, stream: string, why: string): { code: string; severity: 'critical'; message: string } {
  return {
    code: `quarantine_spike:${source}`,
    severity: 'critical',
    message:
      `Reading ${source} is paused: in stream ${stream}, ${why}. The page that tripped it was not committed, so nothing ` +
      `was skipped. Look at why ("tya-agent quarantine list --source ${source}"), fix the mapping, the rules or the data, ` +
      'then resume the source on the dashboard\'s Sources screen (or restart the agent); it re-reads that page.',
  };
}
