// The sensor's timing budget in one place: the orchestrators' grace periods (compose stop_grace_period, the ECS
// task's stopTimeout, entrypoint.sh's backstop) are set from these, and a test keeps them consistent.

/** The sensor stops within this budget after SIGTERM/SIGINT (compose's stop_grace_period is longer). */
export const SHUTDOWN_BUDGET_MS = 4500;
/** Period of the ticker that beats liveness, ticks ARP and schedules background work. */
export const TICK_MS = 100;
/** Longest slice of background work between two capture callbacks. */
export const WORK_SLICE_MS = 0.25;
/** Period of the RecordsDropped report. */
export const DROP_REPORT_MS = 10_000;
/** /healthz and the heartbeat file turn unhealthy when the tick has not run for this long. */
export const LIVENESS_STALE_MS = 3000;
/** Of the shutdown budget, what the last log lines and flushes need (the rest goes to uploads and alerts). */
export const SHUTDOWN_LOG_RESERVE_MS = 700;
