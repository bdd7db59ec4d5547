import { builder } from './builder.ts';
import './types/status.ts';

export const schema = builder.toSchema({ sortSchema: true });
