import type { Logger } from '../lib/logger';
import type { RequestActor } from './auth';

declare global {
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
      actor?: RequestActor;
    }
  }
}
export {};
