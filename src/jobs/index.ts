export { JobQueue, type ClaimedJob, type EnqueueOptions } from './queue.js';
export { JobRunner, type JobHandler, type RunnerOptions } from './runner.js';
