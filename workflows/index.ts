// Every workflow this worker runs. Workflow function names are durable: never rename one.
export { serviceOrder } from './service-order';
