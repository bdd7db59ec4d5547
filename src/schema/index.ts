import { builder } from './builder.ts';
import './types/status.ts';
import './types/attack-object.ts';
import './types/tactic.ts';
import './types/technique.ts';
import './types/group.ts';
import './types/software.ts';
import './types/campaign.ts';
import './types/mitigation.ts';
import './types/detection.ts';
import './types/asset.ts';
import './types/search.ts';
import './types/release.ts';
import './types/import-run.ts';
import './types/analytics/index.ts';
import './types/release-diff.ts';
import './types/release-migrate.ts';

export const schema = builder.toSchema({ sortSchema: true });
